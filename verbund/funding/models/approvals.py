"""Four eyes on money decisions: the first approval of a grant that waits for a second person.

When a programme sets ``second_approval_above`` and a grant exceeds it, the first approver's decision
is kept here (with the terms approved); the grant is issued only when a second, different person of
the funding authority approves the same terms. Drawdowns keep their first approval on the
:class:`~verbund.funding.models.Drawdown` itself.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy

from .applications import Application


class GrantApproval(models.Model):
    """The first approval of a grant above the programme's four-eyes amount (one per application)."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="grant_approval")
    amount = models.DecimalField(gettext_lazy("Betrag (EUR)"), max_digits=14, decimal_places=2)
    #: What was approved: ``{"years": {"2026": "1000.00"}, "period": [...], "conditions": …}``.
    terms = models.JSONField(gettext_lazy("freigegebene Bedingungen"), default=dict)
    approved_at = models.DateTimeField(gettext_lazy("erste Freigabe am"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("erste Freigabe durch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = gettext_lazy("erste Freigabe einer Bewilligung")
        verbose_name_plural = gettext_lazy("erste Freigaben von Bewilligungen")

    def __str__(self) -> str:
        return f"{self.application_id}: {self.amount}"
