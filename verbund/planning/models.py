"""Data of the planning part."""
