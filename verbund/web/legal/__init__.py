"""Legal pages of the web shell: Impressum, Datenschutzerklärung, Erklärung zur Barrierefreiheit.

Stored as restricted Markdown (:mod:`.markup`), edited by Plattformbetrieb (:mod:`.views`,
:mod:`.services`), with default templates (:mod:`.defaults`) and the feedback form BITV 2.0 requires.
"""
