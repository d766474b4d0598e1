"""Cyber security: advisories matched to the members' assets, TLP sharing, incidents, WiBA and shared
security officers for the alliances (DOMAIN.md §6)."""
