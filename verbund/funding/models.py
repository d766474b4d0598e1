"""Data of the funding part."""
