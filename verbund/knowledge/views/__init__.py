"""Views of the knowledge part, one module per subject."""
