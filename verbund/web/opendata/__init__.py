"""Open data of the web shell: the DCAT-AP.de catalogue (:mod:`.catalog`), its page, and the exports
of the registry and the funding overview (:mod:`.exports`)."""
