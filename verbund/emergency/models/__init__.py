"""The emergency part's models (one module per subject, re-exported here)."""

from .events import Alert, Event, EventLevel, EventStatus
from .log import LogCategory, LogEntry
from .messages import PRIORITY_RANK, Direction, Message, MessageState, Priority, Task, TaskState
from .resources import (
    HOLDING,
    AidAgreement,
    AidPriority,
    AidRequest,
    AidStatus,
    Commitment,
    CommitmentStatus,
    Resource,
    ResourceCategory,
)
from .settlements import (
    AidSettlement,
    AidSettlementFinalError,
    AidSettlementLine,
    AidSettlementShare,
    AidSettlementStatus,
)
from .situation import FeatureKind, MapFeature, SituationReport
from .staffs import (
    LEADING_FUNCTIONS,
    SCREENING_FUNCTIONS,
    Position,
    PositionRole,
    Shift,
    Staff,
    StaffFunction,
    StaffKind,
)

__all__ = [
    "HOLDING",
    "LEADING_FUNCTIONS",
    "PRIORITY_RANK",
    "SCREENING_FUNCTIONS",
    "AidAgreement",
    "AidPriority",
    "AidRequest",
    "AidSettlement",
    "AidSettlementFinalError",
    "AidSettlementLine",
    "AidSettlementShare",
    "AidSettlementStatus",
    "AidStatus",
    "Alert",
    "Commitment",
    "CommitmentStatus",
    "Direction",
    "Event",
    "EventLevel",
    "EventStatus",
    "FeatureKind",
    "LogCategory",
    "LogEntry",
    "MapFeature",
    "Message",
    "MessageState",
    "Position",
    "PositionRole",
    "Priority",
    "Resource",
    "ResourceCategory",
    "Shift",
    "SituationReport",
    "Staff",
    "StaffFunction",
    "StaffKind",
    "Task",
    "TaskState",
]
