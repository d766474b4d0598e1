"""Part ``knowledge`` (issue 14): service catalogue, responsibility, request routing, council
documents and a staff assistant with sources.

This part is being built. Its pure routing engine, :mod:`verbund.knowledge.routing`, routes a
citizen's free-text German request to the best services of a catalogue without Django; the
models, the catalogue import, responsibility, the API and the pages are being added around it.
"""
