"""HTML pages of shared services under ``/dienste/``: thin views over forms, services and selectors.

Every object is reached through :mod:`..selectors` (``access_service``/``access_settlement``: 404
across tenants, 403 when visible but not allowed; :class:`verbund.ui.views.RefusalMiddleware`
turns them into Django's pages). Forms run the services with :func:`verbund.ui.forms.run_on_form`
(a refusal lands at its field); buttons with :func:`verbund.ui.views.refusals_as_messages`.

* :mod:`.pages` — index, an alliance's services, a service, its recipients and populations
* :mod:`.keys` — the key editor and its preview
* :mod:`.costs` — cost plans and volumes
* :mod:`.settlements` — settlements and downloads
* :mod:`.billing` — billing data of the bodies, the XRechnung of an invoice
* :mod:`.panels` — sections on a body's and an alliance's page
"""

from .billing import billing, billing_edit, invoice_xrechnung
from .costs import cost_item_add, cost_item_delete, cost_plan, cost_plan_copy, volumes
from .keys import key_edit, key_preview
from .pages import (
    alliance_services,
    index,
    population_delete,
    population_set,
    recipient_add,
    recipient_end,
    service_create,
    service_detail,
    service_edit,
)
from .panels import alliance_services_panel, body_services_panel
from .settlements import (
    invoice_pdf,
    overview_csv,
    overview_xlsx,
    settlement_correct,
    settlement_detail,
    settlement_discard,
    settlement_finalize,
    settlement_recompute,
    settlements,
)

__all__ = [
    "alliance_services",
    "alliance_services_panel",
    "billing",
    "billing_edit",
    "body_services_panel",
    "cost_item_add",
    "cost_item_delete",
    "cost_plan",
    "cost_plan_copy",
    "index",
    "invoice_pdf",
    "invoice_xrechnung",
    "key_edit",
    "key_preview",
    "overview_csv",
    "overview_xlsx",
    "population_delete",
    "population_set",
    "recipient_add",
    "recipient_end",
    "service_create",
    "service_detail",
    "service_edit",
    "settlement_correct",
    "settlement_detail",
    "settlement_discard",
    "settlement_finalize",
    "settlement_recompute",
    "settlements",
    "volumes",
]
