"""Kooperationsverbünde (alliances): the core object of Verbund.

An :class:`Alliance` is a group of municipal bodies that cooperate in one or more fields of action
(:class:`FieldOfAction`) under a legal form of the KomZG (DOMAIN.md §3), with a lifecycle
(:class:`StatusChange` is its timeline). Its members are :class:`Membership` rows that are never
overwritten: leaving sets ``left_on``, re-joining adds a new row, so the history of who belonged
when stays complete. :class:`AllianceRole` gives a user the alliance-scoped role Verbundkoordination
(accounts, one floor lower, cannot know alliances). Signed agreements (:class:`AgreementDocument`,
versioned per title) and council resolutions (:class:`CouncilResolution`) are stored files that
are only ever handed out after an access check (:mod:`verbund.alliances.documents`).

Every write goes through :mod:`verbund.alliances.services`; reads go through
``Alliance.objects.visible_to(principal)`` (rules in :mod:`verbund.alliances.policies`) and
:func:`verbund.alliances.selectors.access_alliance`.
"""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from verbund.common.documents import StoredFileMixin
from verbund.common.principal import Principal

from . import lifecycle

__all__ = [
    "AgreementDocument",
    "Alliance",
    "AllianceQuerySet",
    "AllianceRole",
    "AllianceRoleKind",
    "CouncilResolution",
    "DecidingOrgan",
    "FieldOfAction",
    "LegalForm",
    "MemberRole",
    "Membership",
    "MembershipQuerySet",
    "Status",
    "StatusChange",
]


class FieldOfAction(models.Model):
    """A Handlungsfeld (field of action) such as Cybersicherheit. Seeded by migration 0002."""

    slug = models.SlugField(gettext_lazy("Kürzel"), max_length=60, unique=True)
    name = models.CharField(gettext_lazy("Bezeichnung"), max_length=100, unique=True)
    sort_order = models.PositiveSmallIntegerField(gettext_lazy("Reihenfolge"), default=0)

    class Meta:
        verbose_name = gettext_lazy("Handlungsfeld")
        verbose_name_plural = gettext_lazy("Handlungsfelder")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the viewer's language (the seeded names are in the catalogue, see
        :data:`SEEDED_FIELD_NAMES`; a name added later shows as entered)."""
        return _(self.name) if self.name else ""


#: The names seeded by migration 0002, marked for the catalogue (the rows keep the German name).
SEEDED_FIELD_NAMES = (
    gettext_noop("Verwaltungsdigitalisierung"),
    gettext_noop("Cybersicherheit"),
    gettext_noop("Brand- und Katastrophenschutz"),
    gettext_noop("Krisenmanagement"),
    gettext_noop("Back-Office / Vergabe / Beschaffung"),
    gettext_noop("Fördermittelmanagement"),
    gettext_noop("Personal"),
    gettext_noop("Arbeitsschutz"),
    gettext_noop("Fachkräfte"),
    gettext_noop("Daseinsvorsorge"),
    gettext_noop("Mobilität"),
    gettext_noop("Wissen und KI"),
    gettext_noop("Sonstiges"),
)


class LegalForm(models.TextChoices):
    """Legal forms of cooperation (KomZG RLP and practice, DOMAIN.md §3)."""

    ZWECKVERBAND = "zweckverband", gettext_lazy("Zweckverband")
    ZWECKVEREINBARUNG = "zweckvereinbarung", gettext_lazy("Zweckvereinbarung")
    ARBEITSGEMEINSCHAFT = "arbeitsgemeinschaft", gettext_lazy("Kommunale Arbeitsgemeinschaft")
    ANSTALT = "anstalt", gettext_lazy("Gemeinsame kommunale Anstalt")
    VERWALTUNGSVEREINBARUNG = (
        "verwaltungsvereinbarung",
        gettext_lazy("Verwaltungsvereinbarung / öffentlich-rechtlicher Vertrag"),
    )
    KOOPERATIONSVEREINBARUNG = "kooperationsvereinbarung", gettext_lazy("Kooperationsvereinbarung")
    VEREIN = "verein", gettext_lazy("Eingetragener Verein")
    GMBH = "gmbh", gettext_lazy("Privatrechtliche Gesellschaft (z. B. GmbH)")
    NONE = lifecycle.NO_LEGAL_FORM, gettext_lazy("noch keine")


class Status(models.TextChoices):
    """Stages of the lifecycle; the rules for moving between them are in :mod:`.lifecycle`."""

    IDEE = lifecycle.IDEE, gettext_lazy(lifecycle.STATUS_LABELS[lifecycle.IDEE])
    ANBAHNUNG = lifecycle.ANBAHNUNG, gettext_lazy(lifecycle.STATUS_LABELS[lifecycle.ANBAHNUNG])
    VEREINBARUNG = lifecycle.VEREINBARUNG, gettext_lazy(lifecycle.STATUS_LABELS[lifecycle.VEREINBARUNG])
    UMSETZUNG = lifecycle.UMSETZUNG, gettext_lazy(lifecycle.STATUS_LABELS[lifecycle.UMSETZUNG])
    REGELBETRIEB = lifecycle.REGELBETRIEB, gettext_lazy(lifecycle.STATUS_LABELS[lifecycle.REGELBETRIEB])
    BEENDET = lifecycle.BEENDET, gettext_lazy(lifecycle.STATUS_LABELS[lifecycle.BEENDET])


class AllianceQuerySet(models.QuerySet["Alliance"]):
    def visible_to(self, principal: Principal) -> AllianceQuerySet:
        """The alliances ``principal`` may see (rules: :func:`.policies.visibility_filter`)."""
        from .policies import visibility_filter

        return self.filter(visibility_filter(principal))

    def published(self) -> AllianceQuerySet:
        return self.filter(is_published=True)

    def with_status(self, *statuses: str) -> AllianceQuerySet:
        return self.filter(status__in=statuses)

    def in_field(self, slug: str) -> AllianceQuerySet:
        return self.filter(fields__slug=slug)

    def with_current_member(self, body_filter: Q) -> AllianceQuerySet:
        """Alliances with a current member matching ``body_filter`` (a Q on ``Body``, prefixed ``body__``)."""
        return self.filter(Exists(Membership.objects.current().filter(body_filter, alliance=OuterRef("pk"))))

    def with_member_in_kreis(self, kreis_prefix: str) -> AllianceQuerySet:
        """Alliances with a current member in the Kreis whose ARS starts with ``kreis_prefix`` (5 digits).

        The ARS begins with Land (2), Regierungsbezirk (1) and Kreis (2) for every body inside a Kreis
        (Landkreis, its Gemeindeverbände and Gemeinden, a kreisfreie Stadt), so one prefix test finds
        the Kreis itself and everything in it without walking the parent chain.
        """
        return self.with_current_member(Q(body__ars__startswith=kreis_prefix))

    def with_member(self, ars: str) -> AllianceQuerySet:
        return self.with_current_member(Q(body__ars=ars))

    def search(self, q: str) -> AllianceQuerySet:
        q = q.strip()
        if not q:
            return self
        return self.filter(Q(name__icontains=q) | Q(short_name__icontains=q))


class Alliance(models.Model):
    """A Kooperationsverbund."""

    name = models.CharField(gettext_lazy("Name"), max_length=200)
    short_name = models.CharField(gettext_lazy("Kurzname"), max_length=60, blank=True)
    # Stable address of the alliance (URLs, API); set once by alliance_create and never changed.
    slug = models.SlugField(gettext_lazy("Kürzel (URL)"), max_length=80, unique=True)
    description = models.TextField(gettext_lazy("Beschreibung (intern)"), blank=True)
    public_summary = models.CharField(
        gettext_lazy("Kurzbeschreibung (öffentlich)"),
        max_length=600,
        blank=True,
        help_text=gettext_lazy(
            "Erscheint im öffentlichen Verzeichnis, sobald der Verbund veröffentlicht ist."
        ),
    )
    fields = models.ManyToManyField(
        FieldOfAction, verbose_name=gettext_lazy("Handlungsfelder"), blank=True, related_name="alliances"
    )
    legal_form = models.CharField(
        gettext_lazy("Rechtsform"), max_length=32, choices=LegalForm.choices, default=LegalForm.NONE
    )
    status = models.CharField(
        gettext_lazy("Status"), max_length=20, choices=Status.choices, default=Status.IDEE, db_index=True
    )
    start_date = models.DateField(gettext_lazy("Beginn"), null=True, blank=True)
    end_date = models.DateField(gettext_lazy("Ende"), null=True, blank=True)
    is_published = models.BooleanField(gettext_lazy("veröffentlicht"), default=False, db_index=True)
    sources = models.TextField(
        gettext_lazy("Quellen"),
        blank=True,
        help_text=gettext_lazy("Woher die Angaben stammen (z. B. Pressemitteilung mit Datum)."),
    )
    # Grants as reported in public sources (press releases), until the funding part records the
    # grant notices themselves; shown with ``sources`` so that a reader sees where the figure is from.
    reported_grant_eur = models.DecimalField(
        gettext_lazy("gemeldete Förderung (EUR)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=gettext_lazy(
            "Förderbetrag laut öffentlicher Quelle (z. B. Pressemitteilung), nicht aus einem Bescheid."
        ),
    )
    reported_grant_note = models.CharField(
        gettext_lazy("Angaben zur Förderung"),
        max_length=300,
        blank=True,
        help_text=gettext_lazy("z. B. „100 %, 2026–2027“ oder „bis zu, 2 Jahre“."),
    )
    created_at = models.DateTimeField(gettext_lazy("angelegt"), auto_now_add=True)
    updated_at = models.DateTimeField(gettext_lazy("geändert"), auto_now=True)

    objects: ClassVar[AllianceQuerySet] = AllianceQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = gettext_lazy("Kooperationsverbund")
        verbose_name_plural = gettext_lazy("Kooperationsverbünde")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="alliance_end_after_start",
                violation_error_message=gettext_lazy("Das Ende darf nicht vor dem Beginn liegen."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        # The pages come with the UI (verbund/alliances/urls.py); until then there is no page.
        try:
            return reverse("alliances:detail", kwargs={"slug": self.slug})
        except NoReverseMatch:
            return ""

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("Das Ende darf nicht vor dem Beginn liegen.")})
        if self.status in lifecycle.BOUND_STAGES and self.legal_form == LegalForm.NONE:
            raise ValidationError(
                {
                    "legal_form": (
                        _(
                            "Ein Verbund mit geschlossener Vereinbarung braucht eine Rechtsform; "
                            "„noch keine“ ist ab diesem Status nicht mehr möglich."
                        )
                    )
                }
            )


class MemberRole(models.TextChoices):
    FEDERFUEHREND = "federfuehrend", gettext_lazy("federführend")
    ANTRAGSTELLEND = "antragstellend", gettext_lazy("antragstellend")
    MITGLIED = "mitglied", gettext_lazy("Mitglied")


class MembershipQuerySet(models.QuerySet["Membership"]):
    def current(self) -> MembershipQuerySet:
        """Memberships that have not ended (``left_on`` empty)."""
        return self.filter(left_on__isnull=True)


class Membership(models.Model):
    """A body's membership in an alliance over one period. Never overwritten: leaving sets ``left_on``.

    The role is the one thing changed in place (``member_set_role``); its history is in the audit log,
    because a change of the lead is not a change of who belongs to the alliance.
    """

    alliance = models.ForeignKey(
        Alliance, verbose_name=gettext_lazy("Verbund"), on_delete=models.CASCADE, related_name="memberships"
    )
    body = models.ForeignKey(
        "registry.Body",
        verbose_name=gettext_lazy("Körperschaft"),
        on_delete=models.PROTECT,
        related_name="alliance_memberships",
    )
    role = models.CharField(
        gettext_lazy("Rolle"), max_length=20, choices=MemberRole.choices, default=MemberRole.MITGLIED
    )
    joined_on = models.DateField(gettext_lazy("beigetreten am"))
    left_on = models.DateField(gettext_lazy("ausgetreten am"), null=True, blank=True)
    # The head of the member body (Verwaltungsleitung) confirms that the body belongs to the alliance.
    confirmed_at = models.DateTimeField(gettext_lazy("bestätigt am"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("bestätigt von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(gettext_lazy("Bemerkung"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[MembershipQuerySet] = MembershipQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = gettext_lazy("Mitgliedschaft")
        verbose_name_plural = gettext_lazy("Mitgliedschaften")
        ordering = ["alliance", "joined_on", "id"]
        constraints = [
            # Partial unique indexes: supported by SQLite and PostgreSQL alike.
            models.UniqueConstraint(
                fields=["alliance", "body"],
                condition=Q(left_on__isnull=True),
                name="membership_one_open_per_body",
                violation_error_message=gettext_lazy("Diese Körperschaft ist bereits Mitglied des Verbunds."),
            ),
            models.UniqueConstraint(
                fields=["alliance"],
                condition=Q(left_on__isnull=True, role="federfuehrend"),
                name="membership_one_open_lead",
                violation_error_message=gettext_lazy("Der Verbund hat bereits ein federführendes Mitglied."),
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="membership_left_after_joined",
                violation_error_message=gettext_lazy("Der Austritt darf nicht vor dem Beitritt liegen."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body} in {self.alliance}"

    @property
    def is_current(self) -> bool:
        return self.left_on is None

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    def clean(self) -> None:
        if self.left_on is not None and self.left_on < self.joined_on:
            raise ValidationError({"left_on": _("Der Austritt darf nicht vor dem Beitritt liegen.")})
        # DOMAIN.md §2: Ortsgemeinden apply through their Verbandsgemeinde.
        if self.role == MemberRole.ANTRAGSTELLEND and self.body_id and self.body.kind == "ortsgemeinde":
            raise ValidationError(
                {
                    "role": (
                        _(
                            "Ortsgemeinden stellen Anträge über ihre Verbandsgemeinde und können nicht "
                            "antragstellend sein."
                        )
                    )
                }
            )


class AllianceRoleKind(models.TextChoices):
    KOORDINATION = "koordination", gettext_lazy("Verbundkoordination")


class AllianceRole(models.Model):
    """A role a user holds in one alliance (Verbundkoordination)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("Person"),
        on_delete=models.CASCADE,
        related_name="alliance_roles",
    )
    alliance = models.ForeignKey(
        Alliance, verbose_name=gettext_lazy("Verbund"), on_delete=models.CASCADE, related_name="roles"
    )
    role = models.CharField(
        gettext_lazy("Rolle"),
        max_length=20,
        choices=AllianceRoleKind.choices,
        default=AllianceRoleKind.KOORDINATION,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("Verbundrolle")
        verbose_name_plural = gettext_lazy("Verbundrollen")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "alliance", "role"],
                name="alliance_role_unique",
                violation_error_message=gettext_lazy("Die Person hat diese Rolle im Verbund bereits."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.alliance}: {self.user}"


class StatusChange(models.Model):
    """One step of the lifecycle: the timeline of an alliance. ``from_status`` is empty at creation."""

    alliance = models.ForeignKey(
        Alliance,
        verbose_name=gettext_lazy("Verbund"),
        on_delete=models.CASCADE,
        related_name="status_changes",
    )
    from_status = models.CharField(gettext_lazy("von"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(gettext_lazy("nach"), max_length=20, choices=Status.choices)
    changed_at = models.DateTimeField(gettext_lazy("geändert am"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("geändert von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(gettext_lazy("Bemerkung"), max_length=500, blank=True)

    class Meta:
        verbose_name = gettext_lazy("Statuswechsel")
        verbose_name_plural = gettext_lazy("Statuswechsel")
        ordering = ["alliance", "changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.alliance}: {self.from_status or '-'} → {self.to_status}"


def _upload_path(instance: Any, filename: str, folder: str) -> str:
    # The stored name is random: names of uploads may carry personal data, and a guessable path
    # would be one step from an unchecked download should a store ever be exposed by mistake.
    return f"alliances/{instance.alliance_id}/{folder}/{secrets.token_urlsafe(18)}.pdf"


def agreement_upload_to(instance: Any, filename: str) -> str:
    return _upload_path(instance, filename, "vereinbarungen")


def resolution_upload_to(instance: Any, filename: str) -> str:
    return _upload_path(instance, filename, "beschluesse")


class AgreementDocument(StoredFileMixin):
    """A signed agreement (Zweckvereinbarung, contract …). Versions of one title count 1, 2, 3 …"""

    alliance = models.ForeignKey(
        Alliance, verbose_name=gettext_lazy("Verbund"), on_delete=models.CASCADE, related_name="agreements"
    )
    title = models.CharField(gettext_lazy("Titel"), max_length=200)
    version = models.PositiveIntegerField(gettext_lazy("Fassung"))
    file = models.FileField(gettext_lazy("Datei"), upload_to=agreement_upload_to, max_length=255)
    signed_on = models.DateField(gettext_lazy("unterzeichnet am"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("Vereinbarung")
        verbose_name_plural = gettext_lazy("Vereinbarungen")
        ordering = ["alliance", "title", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "title", "version"],
                name="agreement_version_unique",
                violation_error_message=gettext_lazy("Diese Fassung der Vereinbarung gibt es bereits."),
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="agreement_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (Fassung {self.version})"


class DecidingOrgan(models.TextChoices):
    GEMEINDERAT = "gemeinderat", gettext_lazy("Gemeinderat / Stadtrat")
    VERBANDSGEMEINDERAT = "verbandsgemeinderat", gettext_lazy("Verbandsgemeinderat")
    KREISTAG = "kreistag", gettext_lazy("Kreistag")
    SONSTIGES = "sonstiges", gettext_lazy("anderes Gremium")


class CouncilResolution(StoredFileMixin):
    """A council resolution (Ratsbeschluss, Kreistagsbeschluss) of one member body.

    The body must be a current member when the resolution is recorded; the decision itself may
    predate the membership, because a council decides to join before the body joins.
    """

    alliance = models.ForeignKey(
        Alliance, verbose_name=gettext_lazy("Verbund"), on_delete=models.CASCADE, related_name="resolutions"
    )
    body = models.ForeignKey(
        "registry.Body",
        verbose_name=gettext_lazy("Körperschaft"),
        on_delete=models.PROTECT,
        related_name="council_resolutions",
    )
    decided_on = models.DateField(gettext_lazy("beschlossen am"))
    decided_by = models.CharField(gettext_lazy("Gremium"), max_length=30, choices=DecidingOrgan.choices)
    decided_by_other = models.CharField(gettext_lazy("Gremium (anderes)"), max_length=120, blank=True)
    subject = models.CharField(gettext_lazy("Gegenstand"), max_length=300)
    file = models.FileField(gettext_lazy("Datei"), upload_to=resolution_upload_to, max_length=255, blank=True)

    class Meta:
        verbose_name = gettext_lazy("Ratsbeschluss")
        verbose_name_plural = gettext_lazy("Ratsbeschlüsse")
        ordering = ["alliance", "decided_on", "id"]

    def __str__(self) -> str:
        return f"{self.organ_label} {self.body}, {self.decided_on:%d.%m.%Y}: {self.subject}"

    @property
    def organ_label(self) -> str:
        if self.decided_by == DecidingOrgan.SONSTIGES and self.decided_by_other:
            return self.decided_by_other
        return str(self.get_decided_by_display())

    def clean(self) -> None:
        errors = {}
        if self.decided_by == DecidingOrgan.SONSTIGES and not self.decided_by_other.strip():
            errors["decided_by_other"] = _("Bitte das beschließende Gremium angeben.")
        if self.decided_on and self.decided_on > timezone.localdate():
            errors["decided_on"] = _("Ein Beschluss kann nicht in der Zukunft liegen.")
        if errors:
            raise ValidationError(errors)
