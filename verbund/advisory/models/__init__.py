"""The advisory part's models (one module per subject, re-exported here)."""

from .cases import (
    OPEN_STATES,
    Appointment,
    Case,
    CaseDocument,
    CaseNote,
    CaseOrigin,
    CaseParty,
    CaseStatus,
    CaseStatusChange,
)
from .events import Event, EventKind, EventMaterial, Registration, RegistrationStatus
from .evidence import EvidenceFigure, Metric, ProgrammeReport, ReportStatus
from .practice import (
    DocumentTemplate,
    MemberRole,
    PracticeDocument,
    PracticeDocumentKind,
    PracticeMember,
    PracticeRecord,
    PracticeStatus,
    TemplateKind,
    TemplateVersion,
    Visibility,
)

__all__ = [
    "OPEN_STATES",
    "Appointment",
    "Case",
    "CaseDocument",
    "CaseNote",
    "CaseOrigin",
    "CaseParty",
    "CaseStatus",
    "CaseStatusChange",
    "DocumentTemplate",
    "Event",
    "EventKind",
    "EventMaterial",
    "EvidenceFigure",
    "MemberRole",
    "Metric",
    "PracticeDocument",
    "PracticeDocumentKind",
    "PracticeMember",
    "PracticeRecord",
    "PracticeStatus",
    "ProgrammeReport",
    "Registration",
    "RegistrationStatus",
    "ReportStatus",
    "TemplateKind",
    "TemplateVersion",
    "Visibility",
]
