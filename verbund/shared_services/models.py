"""Data of the shared_services part."""
