"""Template filters of the security part: CSAF's category names in the words of the pages."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy

register = template.Library()

#: CSAF remediation categories (CSAF 2.0 §3.2.3.12.1).
REMEDIATION_LABELS = {
    "vendor_fix": gettext_lazy("Update des Herstellers"),
    "mitigation": gettext_lazy("Schutzmaßnahme"),
    "workaround": gettext_lazy("Umgehung"),
    "none_available": gettext_lazy("keine Abhilfe verfügbar"),
    "no_fix_planned": gettext_lazy("keine Behebung geplant"),
}


@register.filter
def remediation_label(category: object) -> str:
    """``vendor_fix`` → "Update des Herstellers" (an unknown category as it is)."""
    return str(REMEDIATION_LABELS.get(str(category), category))
