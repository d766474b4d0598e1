"""The security part's services: every write, with the actor first, checked, atomic and audited."""
