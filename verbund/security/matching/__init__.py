"""The CSAF asset matching system (CSAF 2.0 conformance clause 9.1.13), pure: no Django.

A CSAF document (a dict as ``json.load`` gives it) is compiled once (:func:`compile_advisory`) and
matched against an inventory indexed once (:class:`AssetIndex`), or a new asset against the stored
advisories (:class:`AdvisoryIndex`). Each :class:`MatchRecord` names the asset, the vulnerability,
the product, its status, the remediations for it, the reason (German) and the confidence;
:meth:`AssetIndex.match_grouped` gives them as :class:`GroupMatch` — one per set of assets with the
same evidence — and :func:`expand` turns those into per-asset records where rows are needed;
:meth:`AssetIndex.match_many` does that for a batch of advisories (optionally in forked processes).

Modules: :mod:`.advisory` (the product tree), :mod:`.cpe` (CPE 2.3 name matching),
:mod:`.versions` (``vers``/vls ranges), :mod:`.names` (vendor and product names),
:mod:`.evaluate` (one product against one asset), :mod:`.index` (both directions, relationships).
"""

from verbund.security.matching.advisory import Advisory, compile_advisory
from verbund.security.matching.facts import (
    AssetFacts,
    Confidence,
    Evidence,
    GroupMatch,
    MatchRecord,
    Reason,
    Remediation,
    StatusCategory,
    expand,
)
from verbund.security.matching.index import AdvisoryIndex, AssetIndex, decisive, evaluate_product, match_naive

__all__ = [
    "Advisory",
    "AdvisoryIndex",
    "AssetFacts",
    "AssetIndex",
    "Confidence",
    "Evidence",
    "GroupMatch",
    "MatchRecord",
    "Reason",
    "Remediation",
    "StatusCategory",
    "compile_advisory",
    "decisive",
    "evaluate_product",
    "expand",
    "match_naive",
]
