"""The emergency part's pages, one module per subject; each module exports its ``urlpatterns``."""
