"""Every write to shared services. Each service is keyword-only, atomic, takes ``actor: Actor`` (a user
or a :class:`~verbund.common.actors.SystemActor`), checks the actor's right itself on a fresh
principal (:mod:`verbund.shared_services.policies`), validates with ``full_clean`` and writes its
audit record, scoped to the service's alliance (and the body it concerns), in the same transaction.

A string, ``None`` or an anonymous user as ``actor`` raises ``TypeError``; a system actor passes only
with the capability :data:`~verbund.shared_services.policies.MANAGE`. Refusals are the common
hierarchy (:mod:`verbund.common.errors`): ``Forbidden`` (403), ``Invalid``/``ValidationError`` (422),
``Conflict`` (409).

==============================  ===============================================================
``service_create``              coordinators of the alliance (and operators)
``service_update``              coordinators
``service_set_key``             coordinators (validated by the allocation engine)
``recipient_add`` / ``_end``    coordinators; ending sets ``until_date``, the row stays
``population_figure_set`` /     coordinators (population at the key's reference date)
``population_figure_delete``
``cost_plan_ensure`` /          staff and heads of the providing body
``cost_plan_update`` /
``cost_item_add`` / ``_update`` /
``_delete`` / ``cost_plan_copy``
``volume_set`` / ``_delete`` /  staff and heads of the providing body
``volume_import_csv``
``settlement_compute``          coordinators and the providing body (drafts only)
``settlement_correct``          coordinators: a new draft version of a finalized settlement
``settlement_finalize``         coordinators: the draft becomes immutable
``settlement_discard``          coordinators: delete a draft
``billing_profile_set``         the body itself and the coordinators: billing data (validated)
``invoices_issue``              coordinators: numbers and due dates of a finalized settlement's
                                invoices (also done by ``settlement_finalize``)
==============================  ===============================================================
"""

from .billing import BILLING_FIELDS, billing_profile_set, invoices_issue
from .cost_plans import (
    ITEM_FIELDS,
    cost_item_add,
    cost_item_delete,
    cost_item_update,
    cost_plan_copy,
    cost_plan_ensure,
    cost_plan_update,
)
from .recipients import (
    UPDATABLE_FIELDS,
    population_figure_delete,
    population_figure_set,
    recipient_add,
    recipient_end,
    service_create,
    service_set_key,
    service_update,
)
from .settlements import settlement_compute, settlement_correct, settlement_discard, settlement_finalize
from .volumes import (
    CSV_COLUMNS,
    CSV_MAX_BYTES,
    VolumeImportError,
    VolumeImportResult,
    volume_delete,
    volume_import_csv,
    volume_set,
)

__all__ = [
    "BILLING_FIELDS",
    "CSV_COLUMNS",
    "CSV_MAX_BYTES",
    "ITEM_FIELDS",
    "UPDATABLE_FIELDS",
    "VolumeImportError",
    "VolumeImportResult",
    "billing_profile_set",
    "cost_item_add",
    "cost_item_delete",
    "cost_item_update",
    "cost_plan_copy",
    "cost_plan_ensure",
    "cost_plan_update",
    "invoices_issue",
    "population_figure_delete",
    "population_figure_set",
    "recipient_add",
    "recipient_end",
    "service_create",
    "service_set_key",
    "service_update",
    "settlement_compute",
    "settlement_correct",
    "settlement_discard",
    "settlement_finalize",
    "volume_delete",
    "volume_import_csv",
    "volume_set",
]
