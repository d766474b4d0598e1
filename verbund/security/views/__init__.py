"""The security part's pages, one module per subject; each module exports its ``urlpatterns``."""
