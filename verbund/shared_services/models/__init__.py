"""Data of the shared-services part.

The task catalogue (:class:`Task`) and the task cost models (:class:`TaskCostModel`) are shared with
the planning part, which imports them (planning → shared_services, never the other way round).

The models are split by concern; import them from here (``verbund.shared_services.models``):

- :mod:`.catalogue`: tasks, task cost models, pay grades
- :mod:`.services`: shared services, their recipients, population figures
- :mod:`.costs`: cost plans and their items, volumes
- :mod:`.settlements`: settlements and their lines
- :mod:`.billing`: billing profiles of bodies, invoices and their numbers
"""

from __future__ import annotations

from .billing import (
    DEFAULT_TAX_NOTE,
    BillingProfile,
    Invoice,
    InvoiceCounter,
    format_iban,
    iban_problem,
    leitweg_problem,
)
from .catalogue import PayGrade, PayScheme, Task, TaskCostModel, VolumeUnit
from .costs import CostCategory, CostItem, CostPlan, PlanKind, VolumeRecord
from .services import (
    PopulationFigure,
    ServiceRecipient,
    ServiceRecipientQuerySet,
    SharedService,
    SharedServiceQuerySet,
)
from .settlements import (
    Settlement,
    SettlementFinalizedError,
    SettlementKind,
    SettlementLine,
    SettlementLineQuerySet,
    SettlementQuerySet,
    SettlementStatus,
)

__all__ = [
    "DEFAULT_TAX_NOTE",
    "BillingProfile",
    "CostCategory",
    "CostItem",
    "CostPlan",
    "Invoice",
    "InvoiceCounter",
    "PayGrade",
    "PayScheme",
    "PlanKind",
    "PopulationFigure",
    "ServiceRecipient",
    "ServiceRecipientQuerySet",
    "Settlement",
    "SettlementFinalizedError",
    "SettlementKind",
    "SettlementLine",
    "SettlementLineQuerySet",
    "SettlementQuerySet",
    "SettlementStatus",
    "SharedService",
    "SharedServiceQuerySet",
    "Task",
    "TaskCostModel",
    "VolumeRecord",
    "VolumeUnit",
    "format_iban",
    "iban_problem",
    "leitweg_problem",
]
