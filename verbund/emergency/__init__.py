"""Crisis management: joint administrative staffs, the staff log, messages, situation picture, resource
pool and mutual aid (issue 13; DOMAIN.md §7)."""
