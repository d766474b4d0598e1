"""Writes and questions of the knowledge part (one module per subject)."""
