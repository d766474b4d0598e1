"""Services of the emergency part: every write goes through here (authorised, atomic, audited)."""
