"""Invoicing data: a body's billing profile (Rechnungsdaten) and the invoices issued for settlement lines.

A **billing profile** holds what a proper invoice needs of a body: as the provider (sender) its postal
address, bank account, creditor contact, the scheme of its Kassenzeichen (invoice numbers) and payment
term and its tax note; as a recipient its postal address and Leitweg-ID (the routing ID of German
e-invoicing, BT-10 of an XRechnung). An **invoice** is issued once per line of a finalized settlement
with a number from the provider's scheme; it never changes (a correction is a new settlement version
with new invoices).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .settlements import SettlementLine

#: The tax note of a municipal cost sharing between public bodies (decision, see docs).
DEFAULT_TAX_NOTE = (
    "Nicht steuerbar: Leistung einer juristischen Person des öffentlichen Rechts auf "
    "öffentlich-rechtlicher Grundlage (§ 2b UStG)."
)
DEFAULT_NUMBER_PATTERN = "{jahr}-{nr}"

_IBAN_LENGTHS = {"DE": 22, "AT": 20, "CH": 21, "LU": 20, "NL": 18, "BE": 16, "FR": 27, "DK": 18, "PL": 28}
_IBAN_FORM = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_BIC_FORM = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")
_LEITWEG_FORM = re.compile(r"^[0-9]{2,12}(-[0-9A-Z]{1,30})?-[0-9]{2}$")
_PATTERN_FORM = re.compile(r"^[A-Za-z0-9ÄÖÜäöü./_\- ]*(\{jahr\}|\{nr\})[A-Za-z0-9ÄÖÜäöü./_\-{} ]*$")


def _mod97(text: str) -> int:
    """ISO 7064 MOD 97-10 over digits and letters (A = 10 … Z = 35)."""
    return int("".join(str(int(char, 36)) for char in text)) % 97


def normalize_iban(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def iban_problem(value: str) -> str:
    """Why ``value`` is not a valid IBAN (German), or ``""``."""
    iban = normalize_iban(value)
    if not _IBAN_FORM.match(iban):
        return str(_("Eine IBAN beginnt mit dem Länderkürzel und zwei Prüfziffern (z. B. DE12 3456 …)."))
    expected = _IBAN_LENGTHS.get(iban[:2])
    if expected and len(iban) != expected:
        return str(
            _("Eine IBAN aus %(country)s hat %(length)s Stellen, diese hat %(actual)s.")
            % {"country": iban[:2], "length": expected, "actual": len(iban)}
        )
    if _mod97(iban[4:] + iban[:4]) != 1:
        return str(_("Die Prüfziffer der IBAN stimmt nicht; bitte die IBAN prüfen."))
    return ""


def leitweg_problem(value: str) -> str:
    """Why ``value`` is not a valid Leitweg-ID (form and MOD 97-10 check digits), or ``""``."""
    text = (value or "").strip().upper()
    if not _LEITWEG_FORM.match(text):
        return str(
            _(
                "Eine Leitweg-ID hat die Form Grobadressierung-Feinadressierung-Prüfziffer "
                "(z. B. 991-33333TEST-33)."
            )
        )
    if _mod97(text.replace("-", "")) != 1:
        return str(_("Die Prüfziffer der Leitweg-ID stimmt nicht."))
    return ""


def format_iban(value: str) -> str:
    """``DE02120300000000202051`` → ``DE02 1203 0000 0000 2020 51``."""
    iban = normalize_iban(value)
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


class BillingProfile(models.Model):
    """A body's invoicing data: address and Leitweg-ID (as recipient), bank and scheme (as provider)."""

    body = models.OneToOneField(
        "registry.Body", verbose_name=_("Körperschaft"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.CharField(
        _("Organisationseinheit"), max_length=120, blank=True, help_text=_("z. B. Finanzabteilung, Kasse")
    )
    street = models.CharField(_("Straße und Hausnummer"), max_length=120)
    postcode = models.CharField(
        _("Postleitzahl"),
        max_length=5,
        validators=[RegexValidator(r"^[0-9]{5}$", _("Eine Postleitzahl hat fünf Ziffern."))],
    )
    city = models.CharField(_("Ort"), max_length=80)
    leitweg_id = models.CharField(
        _("Leitweg-ID"),
        max_length=46,
        blank=True,
        help_text=_("für Rechnungen an diese Körperschaft (XRechnung, Käuferreferenz)"),
    )
    email = models.EmailField(_("E-Mail für Rechnungen"), max_length=120, blank=True)
    iban = models.CharField(_("IBAN"), max_length=42, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    bank = models.CharField(_("Kreditinstitut"), max_length=120, blank=True)
    contact_name = models.CharField(_("Ansprechperson"), max_length=120, blank=True)
    contact_phone = models.CharField(_("Telefon"), max_length=40, blank=True)
    contact_email = models.EmailField(_("E-Mail der Ansprechperson"), max_length=120, blank=True)
    number_pattern = models.CharField(
        _("Schema des Kassenzeichens"),
        max_length=40,
        default=DEFAULT_NUMBER_PATTERN,
        help_text=_("{jahr} = Jahr der Rechnung, {nr} = laufende Nummer im Jahr, z. B. 5.1100.{jahr}.{nr}"),
    )
    number_digits = models.PositiveSmallIntegerField(
        _("Stellen der laufenden Nummer"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    payment_days = models.PositiveSmallIntegerField(
        _("Zahlungsziel (Tage)"), default=30, validators=[MinValueValidator(0), MaxValueValidator(365)]
    )
    tax_note = models.CharField(_("Steuerlicher Hinweis"), max_length=300, default=DEFAULT_TAX_NOTE)
    is_example = models.BooleanField(_("Beispieldaten"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Rechnungsdaten")
        verbose_name_plural = _("Rechnungsdaten")

    def __str__(self) -> str:
        return f"Rechnungsdaten {self.body}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        self.iban = normalize_iban(self.iban)
        self.bic = (self.bic or "").replace(" ", "").upper()
        self.leitweg_id = (self.leitweg_id or "").strip().upper()
        if self.iban and (problem := iban_problem(self.iban)):
            errors["iban"] = problem
        if self.bic and not _BIC_FORM.match(self.bic):
            errors["bic"] = _("Ein BIC hat 8 oder 11 Zeichen (z. B. MALADE51KLK).")
        if self.leitweg_id and (problem := leitweg_problem(self.leitweg_id)):
            errors["leitweg_id"] = problem
        if "{nr}" not in (self.number_pattern or "") or not _PATTERN_FORM.match(self.number_pattern):
            errors["number_pattern"] = _(
                "Das Schema braucht {nr} (laufende Nummer), darf {jahr} enthalten und sonst nur Buchstaben, "
                "Ziffern, Punkt, Bindestrich, Schrägstrich und Leerzeichen."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def iban_display(self) -> str:
        return format_iban(self.iban)

    def number(self, year: int, running: int) -> str:
        """The Kassenzeichen of the ``running``-th invoice of ``year``."""
        return self.number_pattern.replace("{jahr}", str(year)).replace(
            "{nr}", str(running).zfill(self.number_digits)
        )

    def missing_for_sending(self) -> list[str]:
        """What an invoice of this body as the provider still lacks (German labels)."""
        required = (
            ("iban", _("IBAN")),
            ("bank", _("Kreditinstitut")),
            ("contact_name", _("Ansprechperson")),
            ("contact_phone", _("Telefon")),
            ("contact_email", _("E-Mail der Ansprechperson")),
        )
        return [str(label) for name, label in required if not getattr(self, name)]

    def address_lines(self) -> list[str]:
        lines = [self.body.name]
        if self.department:
            lines.append(self.department)
        return [*lines, self.street, f"{self.postcode} {self.city}"]


class InvoiceCounter(models.Model):
    """The last running number of a provider's invoices in a year (locked while numbering)."""

    body = models.ForeignKey("registry.Body", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["body", "year"], name="invoice_counter_unique")]

    def __str__(self) -> str:
        return f"{self.body_id}/{self.year}: {self.last}"


class Invoice(models.Model):
    """The invoice of one line of a finalized settlement: its number (Kassenzeichen), dates, amount."""

    line = models.OneToOneField(SettlementLine, on_delete=models.PROTECT, related_name="invoice")
    issuer = models.ForeignKey(
        "registry.Body", verbose_name=_("Rechnungssteller"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField(_("Rechnungsnummer (Kassenzeichen)"), max_length=80)
    issue_date = models.DateField(_("Rechnungsdatum"))
    due_date = models.DateField(_("fällig am"), null=True, blank=True)
    amount_due = models.DecimalField(_("Zahlbetrag (EUR)"), max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Rechnung")
        verbose_name_plural = _("Rechnungen")
        ordering = ["issuer", "number"]
        constraints = [models.UniqueConstraint(fields=["issuer", "number"], name="invoice_number_unique")]

    def __str__(self) -> str:
        return f"Rechnung {self.number}"
