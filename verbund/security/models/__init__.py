"""The security part's models (one module per subject, re-exported here)."""

from .advisories import Advisory, AdvisoryRevision, CsafSource, QuarantinedDocument, Vulnerability
from .assets import (
    AFFECTED,
    Asset,
    AssetKind,
    Confidence,
    Criticality,
    Match,
    MatchStatus,
    RemediationState,
    Triage,
    TriageDecision,
)
from .incidents import Attachment, HelpContribution, HelpRequest, HelpStatus, Incident, IncidentStatus
from .officers import OfficerKind, OfficerShare, SharedOfficer
from .sharing import TLP_MEANING, TLP_SENSITIVITY, Distribution, Shared, SharingGroup, Tlp
from .wiba import WibaAnswer, WibaAnswerValue, WibaAssessment, WibaChecklist, WibaQuestion

__all__ = [
    "AFFECTED",
    "TLP_MEANING",
    "TLP_SENSITIVITY",
    "Advisory",
    "AdvisoryRevision",
    "Asset",
    "AssetKind",
    "Attachment",
    "Confidence",
    "Criticality",
    "CsafSource",
    "Distribution",
    "HelpContribution",
    "HelpRequest",
    "HelpStatus",
    "Incident",
    "IncidentStatus",
    "Match",
    "MatchStatus",
    "OfficerKind",
    "OfficerShare",
    "QuarantinedDocument",
    "RemediationState",
    "Shared",
    "SharedOfficer",
    "SharingGroup",
    "Tlp",
    "Triage",
    "TriageDecision",
    "Vulnerability",
    "WibaAnswer",
    "WibaAnswerValue",
    "WibaAssessment",
    "WibaChecklist",
    "WibaQuestion",
]
