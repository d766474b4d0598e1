"""CSAF documents: validation (schema and mandatory tests), their facts, and CVSS scores.

Pure: no Django here, so the downloader, the import and the benchmarks use it alike.
"""

from verbund.security.csaf.document import AdvisoryFacts, VulnerabilityFacts, parse, tlp_label
from verbund.security.csaf.scores import Score, score_vector
from verbund.security.csaf.validation import DocumentError, Failure, ValidationReport, decode, validate

__all__ = [
    "AdvisoryFacts",
    "DocumentError",
    "Failure",
    "Score",
    "ValidationReport",
    "VulnerabilityFacts",
    "decode",
    "parse",
    "score_vector",
    "tlp_label",
    "validate",
]
