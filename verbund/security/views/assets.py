"""Assets: the inventory a user sees (TLP applied), one asset with its matches, the form to enter or
change one, retiring it, the import of a CSV, XLSX, CycloneDX or SPDX file and the export of the
visible list as CSV or XLSX (the export holds exactly the rows of the list: same filters, same TLP)."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from verbund.common.errors import NotFound, as_refusal
from verbund.common.principal import Principal, principal_of
from verbund.registry.models import Body
from verbund.ui.actor import request_actor
from verbund.ui.forms import GermanIntegerField, apply_refusal, run_on_form
from verbund.ui.views import paginate

from .. import assets_import
from ..forms import SharingForm
from ..models import TLP_MEANING, Asset, AssetKind, Criticality, Tlp
from ..policies import acts_for, own_body_ids
from ..selectors import get_shared, log_read, visible_assets, visible_matches
from ..services.assets import ASSET_FIELDS, asset_create, asset_import, asset_retire, asset_update

NAV = "security"
SHARING_NAMES = ("owner_body", "tlp", "distribution", "alliance", "sharing_group", "advisory_office")


def _refusal() -> str:
    return _(
        "Nur wer für die Körperschaft arbeitet oder ihr Sicherheitsbeauftragter ist, pflegt ihre Komponenten."
    )


def _may_change(principal: Principal, asset: Asset) -> bool:
    return acts_for(principal, asset.owner_body_id)


# --- forms --------------------------------------------------------------------------------------


def _check(rule: Any, label: str) -> Any:
    def validate(value: Any) -> Any:
        try:
            return rule(value)
        except ValueError as exc:
            raise forms.ValidationError(f"{label}: {exc}") from None

    return validate


class AssetForm(SharingForm):
    """One asset with its sharing fields (TLP:AMBER, own body only, unless the member chooses)."""

    name = forms.CharField(label=gettext_lazy("Produkt"), max_length=300)
    vendor = forms.CharField(label=gettext_lazy("Hersteller"), max_length=300, required=False)
    version = forms.CharField(label=gettext_lazy("Version"), max_length=200, required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Art"), choices=AssetKind.choices, initial=AssetKind.SOFTWARE)
    criticality = forms.ChoiceField(
        label=gettext_lazy("Kritikalität"), choices=Criticality.choices, initial=Criticality.MITTEL
    )
    cpe = forms.CharField(
        label=gettext_lazy("CPE 2.3"),
        max_length=500,
        required=False,
        help_text=gettext_lazy("z. B. cpe:2.3:a:fortinet:fortios:7.2.5:*:*:*:*:*:*:*"),
    )
    purl = forms.CharField(
        label=gettext_lazy("Package URL (purl)"),
        max_length=1000,
        required=False,
        help_text=gettext_lazy("z. B. pkg:deb/debian/openssl@3.0.11"),
    )
    model_number = forms.CharField(label=gettext_lazy("Modellnummer"), max_length=200, required=False)
    serial_number = forms.CharField(label=gettext_lazy("Seriennummer"), max_length=200, required=False)
    sku = forms.CharField(label=gettext_lazy("Artikelnummer (SKU)"), max_length=200, required=False)
    hashes = forms.CharField(
        label=gettext_lazy("Prüfsummen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("je Zeile Verfahren:Wert, z. B. sha256:9f86d081884c7d65…"),
    )
    location = forms.CharField(label=gettext_lazy("Standort"), max_length=300, required=False)
    responsible = forms.CharField(label=gettext_lazy("Verantwortlich"), max_length=300, required=False)
    quantity = GermanIntegerField(label=gettext_lazy("Anzahl"), min_value=1, max_value=1_000_000, initial=1)
    platform = forms.ModelChoiceField(
        queryset=Asset.objects.none(),
        required=False,
        label=gettext_lazy("läuft auf"),
        help_text=gettext_lazy("die Komponente, auf der diese läuft (Server, Gerät), falls erfasst"),
    )
    note = forms.CharField(
        label=gettext_lazy("Bemerkung"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    field_order = [
        "name",
        "vendor",
        "version",
        "kind",
        "criticality",
        "cpe",
        "purl",
        "model_number",
        "serial_number",
        "sku",
        "hashes",
        "location",
        "responsible",
        "quantity",
        "platform",
        "note",
        "owner_body",
        "tlp",
        "distribution",
        "alliance",
        "sharing_group",
        "advisory_office",
    ]

    def __init__(self, *args: Any, principal: Principal, asset: Asset | None = None, **kwargs: Any) -> None:
        super().__init__(*args, principal=principal, **kwargs)
        platforms = (
            visible_assets(principal)
            .filter(owner_body_id__in=own_body_ids(principal), active=True)
            .select_related("owner_body")
            .order_by("owner_body__name", "vendor", "name", "version", "id")
        )
        if asset is not None:
            platforms = platforms.exclude(pk=asset.pk)
        self.fields["platform"].queryset = platforms  # type: ignore[attr-defined]
        self.fields["platform"].label_from_instance = lambda a: f"{a.display_name} ({a.owner_body.name})"  # type: ignore[attr-defined]
        self.fields["tlp"].help_text = " · ".join(
            f"{label}: {TLP_MEANING[value]}" for value, label in Tlp.choices
        )

    def clean_cpe(self) -> str:
        return str(_check(assets_import.clean_cpe, _("CPE 2.3"))(self.cleaned_data.get("cpe") or ""))

    def clean_purl(self) -> str:
        return str(
            _check(assets_import.clean_purl, _("Package URL (purl)"))(self.cleaned_data.get("purl") or "")
        )

    def clean_hashes(self) -> list[dict[str, str]]:
        result: list[dict[str, str]] = _check(assets_import.clean_hashes, _("Prüfsummen"))(
            self.cleaned_data.get("hashes") or ""
        )
        return result

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        platform, owner = data.get("platform"), data.get("owner_body")
        if platform is not None and owner is not None and platform.owner_body_id != owner.pk:
            self.add_error("platform", _("Die Plattform muss derselben Körperschaft gehören."))
        return data

    def asset_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ASSET_FIELDS if name in self.cleaned_data}


def _initial(asset: Asset) -> dict[str, Any]:
    initial: dict[str, Any] = {name: getattr(asset, name) for name in ASSET_FIELDS}
    initial["hashes"] = "\n".join(f"{h['algorithm']}:{h['value']}" for h in asset.hashes or [])
    initial.update(
        owner_body=asset.owner_body_id,
        tlp=asset.tlp,
        distribution=asset.distribution,
        alliance=asset.alliance_id,
        sharing_group=asset.sharing_group_id,
        advisory_office=asset.advisory_office,
        platform=asset.platform_id,
    )
    return initial


class AssetImportForm(SharingForm):
    file = forms.FileField(
        label=gettext_lazy("Datei (CSV, XLSX, CycloneDX-JSON oder SPDX-JSON)"),
        help_text=gettext_lazy("höchstens 20 MB und 20.000 Komponenten"),
    )
    dry_run = forms.BooleanField(
        required=False, label=gettext_lazy("nur prüfen (nichts speichern, Vorschau zeigen)")
    )
    field_order = [
        "file",
        "owner_body",
        "tlp",
        "distribution",
        "alliance",
        "sharing_group",
        "advisory_office",
        "recipients",
        "dry_run",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tlp"].help_text = gettext_lazy(
            "gilt für neu angelegte Komponenten; bereits erfasste behalten ihre Weitergabe"
        )


# --- the list and its export --------------------------------------------------------------------


def _filtered(request: HttpRequest, principal: Principal) -> tuple[QuerySet[Asset], dict[str, Any]]:
    """The visible assets filtered as the query string says (the list and its exports)."""
    assets = visible_assets(principal).select_related("owner_body")
    params = {
        "q": request.GET.get("q", "").strip()[:200],
        "body": request.GET.get("koerperschaft", "").strip()[:12],
        "kind": request.GET.get("art", ""),
        "criticality": request.GET.get("kritikalitaet", ""),
        "retired": bool(request.GET.get("ausser_betrieb")),
    }
    if not params["retired"]:
        assets = assets.filter(active=True)
    if params["body"]:
        assets = assets.filter(owner_body__ars=params["body"])
    if params["kind"] in AssetKind.values:
        assets = assets.filter(kind=params["kind"])
    if params["criticality"] in Criticality.values:
        assets = assets.filter(criticality=params["criticality"])
    if params["q"]:
        q = params["q"]
        assets = assets.filter(
            Q(name__icontains=q)
            | Q(vendor__icontains=q)
            | Q(version__icontains=q)
            | Q(cpe__icontains=q)
            | Q(purl__icontains=q)
            | Q(model_number__icontains=q)
            | Q(serial_number__icontains=q)
            | Q(location__icontains=q)
        )
    return assets.order_by("owner_body__name", "vendor", "name", "version", "id"), params


@login_required
def asset_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    assets, params = _filtered(request, principal)
    page = paginate(request, assets)
    bodies = Body.objects.filter(pk__in=visible_assets(principal).values("owner_body_id")).order_by("name")
    query = request.GET.copy()
    query.pop("seite", None)
    context = {
        "page": page,
        "params": params,
        "bodies": bodies,
        "kinds": AssetKind.choices,
        "criticalities": Criticality.choices,
        "query": query.urlencode(),
        "may_create": bool(own_body_ids(principal)),
        "nav": NAV,
    }
    return render(request, "security/assets/list.html", context)


#: The export's columns: the import's German header (so that an export can be imported again), then
#: the owner and the sharing.
EXPORT_COLUMNS = (
    ("name", "Produkt"),
    ("vendor", "Hersteller"),
    ("version", "Version"),
    ("kind", "Art"),
    ("cpe", "CPE"),
    ("purl", "purl"),
    ("model_number", "Modellnummer"),
    ("serial_number", "Seriennummer"),
    ("sku", "Artikelnummer"),
    ("hashes", "Prüfsummen"),
    ("location", "Standort"),
    ("responsible", "Verantwortlich"),
    ("criticality", "Kritikalität"),
    ("quantity", "Anzahl"),
    ("note", "Bemerkung"),
    ("active", "in Betrieb"),
    ("owner_ars", "ARS der Körperschaft"),
    ("owner_name", "Körperschaft"),
    ("tlp", "TLP"),
)

_FORMULA = re.compile(r"^[=+@\t\r]|^-(?![\d.,]*$)")


def _csv_cell(value: str) -> str:
    """Text that a spreadsheet would take for a formula is written with a leading apostrophe (the
    import removes it again)."""
    return "'" + value if _FORMULA.match(value) else value


def _export_row(asset: Asset) -> list[Any]:
    values = {name: getattr(asset, name) for name in ASSET_FIELDS}
    values["hashes"] = " ".join(f"{h['algorithm']}:{h['value']}" for h in asset.hashes or [])
    values["active"] = _("ja") if asset.active else _("nein")
    values["owner_ars"] = asset.owner_body.ars if asset.owner_body else ""
    values["owner_name"] = asset.owner_body.name if asset.owner_body else ""
    values["tlp"] = asset.get_tlp_display()
    return [values[name] for name, _label in EXPORT_COLUMNS]


def _log_export(request: HttpRequest, assets: list[Asset]) -> None:
    actor = request_actor(request)
    for asset in assets:
        log_read(actor, asset, purpose=_("Komponenten exportiert"))


@login_required
def asset_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The visible (filtered) list as CSV or XLSX; reads of TLP:AMBER and RED rows are logged."""
    from openpyxl import Workbook

    from verbund.common.spreadsheet import workbook_bytes

    principal = principal_of(request)
    queryset, _params = _filtered(request, principal)
    assets = list(queryset)
    _log_export(request, assets)
    stamp = timezone.localdate().isoformat()
    header = [label for _name, label in EXPORT_COLUMNS]
    if fmt == "xlsx":
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.title = "Komponenten"
        sheet.append(header)
        for asset in assets:
            sheet.append([str(v) if not isinstance(v, int) else v for v in _export_row(asset)])
        body = workbook_bytes(workbook)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        for asset in assets:
            writer.writerow([_csv_cell(str(v)) for v in _export_row(asset)])
        body = ("\ufeff" + buffer.getvalue()).encode("utf-8")
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="komponenten-{stamp}.{fmt}"'
    return response


# --- one asset ----------------------------------------------------------------------------------


@login_required
def asset_detail(request: HttpRequest, asset_id: int) -> HttpResponse:
    principal = principal_of(request)
    asset = get_shared(
        Asset.objects.select_related("owner_body", "platform", "alliance", "sharing_group"),
        principal,
        actor=request_actor(request),
        purpose=_("Komponente angesehen"),
        pk=asset_id,
    )
    matches = (
        visible_matches(principal)
        .filter(asset=asset, current=True)
        .select_related("advisory", "vulnerability")
        .order_by("-advisory__max_score", "advisory_id", "vulnerability__position")
    )
    components = visible_assets(principal).filter(platform=asset).order_by("vendor", "name", "version", "id")
    platform = (
        asset.platform
        if asset.platform_id and visible_assets(principal).filter(pk=asset.platform_id).exists()
        else None
    )
    context = {
        "asset": asset,
        "platform": platform,
        "components": components,
        "matches": matches,
        "may_change": _may_change(principal, asset),
        "tlp_meaning": TLP_MEANING.get(asset.tlp, ""),
        "retire_consequences": [
            _("Die Komponente bleibt mit ihren Treffern erhalten, wird aber nicht mehr abgeglichen."),
            _("Ein erneuter Import derselben Zeile nimmt sie wieder in Betrieb."),
        ],
        "nav": NAV,
    }
    return render(request, "security/assets/detail.html", context)


@login_required
def asset_create_view(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    form = AssetForm(request.POST or None, principal=principal)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        asset = run_on_form(
            form,
            lambda: asset_create(
                actor=request_actor(request),
                owner_body=data["owner_body"],
                values=form.asset_values(),
                sharing=form.sharing_values(),
                platform=data.get("platform"),
            ),
            default_field="name",
        )
        if asset:
            messages.success(request, _("Die Komponente ist erfasst."))
            return redirect("security:asset_detail", asset_id=asset.pk)
    return render(
        request,
        "security/assets/form.html",
        {"form": form, "asset": None, "sharing_names": SHARING_NAMES, "nav": NAV},
    )


@login_required
def asset_edit(request: HttpRequest, asset_id: int) -> HttpResponse:
    principal = principal_of(request)
    asset = get_shared(
        Asset.objects.select_related("owner_body"),
        principal,
        actor=request_actor(request),
        purpose=_("Komponente bearbeitet"),
        need=_may_change,
        refusal=_refusal(),
        pk=asset_id,
    )
    form = AssetForm(request.POST or None, principal=principal, asset=asset, initial=_initial(asset))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        updated = run_on_form(
            form,
            lambda: asset_update(
                actor=request_actor(request),
                asset=asset,
                values=form.asset_values(),
                sharing=form.sharing_values(),
                owner_body=data["owner_body"],
                platform=data.get("platform"),
            ),
            default_field="name",
        )
        if updated:
            messages.success(request, _("Die Änderungen sind gespeichert."))
            return redirect("security:asset_detail", asset_id=asset.pk)
    return render(
        request,
        "security/assets/form.html",
        {"form": form, "asset": asset, "sharing_names": SHARING_NAMES, "nav": NAV},
    )


@login_required
@require_http_methods(["GET", "POST"])
def asset_retire_view(request: HttpRequest, asset_id: int) -> HttpResponse:
    """GET: the confirmation page; POST: take the asset out of operation."""
    principal = principal_of(request)
    asset = get_shared(
        Asset.objects.select_related("owner_body"),
        principal,
        actor=request_actor(request),
        purpose=_("Komponente außer Betrieb genommen"),
        need=_may_change,
        refusal=_refusal(),
        pk=asset_id,
    )
    if request.method == "POST":
        asset_retire(actor=request_actor(request), asset=asset)
        messages.success(request, _("Die Komponente ist außer Betrieb genommen."))
        return redirect("security:asset_detail", asset_id=asset.pk)
    return render(request, "security/assets/retire.html", {"asset": asset, "nav": NAV})


@login_required
def asset_import_view(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    form = AssetImportForm(request.POST or None, request.FILES or None, principal=principal)
    errors: list[str] = []
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > assets_import.MAX_BYTES:
            form.add_error("file", _("Die Datei ist größer als 20 MB."))
        else:
            data = upload.read()
            sharing = form.sharing_values()
            try:
                result = asset_import(
                    actor=request_actor(request),
                    owner_body=sharing["owner_body"],
                    data=data,
                    filename=upload.name or "komponenten",
                    sharing=sharing,
                    dry_run=bool(form.cleaned_data.get("dry_run")),
                )
            except assets_import.AssetImportError as exc:
                errors = exc.errors
            except Exception as exc:
                refusal = as_refusal(exc)
                if refusal is None or isinstance(refusal, NotFound):
                    raise
                apply_refusal(form, refusal, default_field="file")
            if result is not None and not result.dry_run:
                messages.success(
                    request, _("Die Datei ist eingelesen: %(summary)s") % {"summary": result.summary}
                )
                owner = sharing["owner_body"]
                return redirect(reverse("security:asset_list") + f"?koerperschaft={owner.ars}")
    context = {"form": form, "errors": errors, "result": result, "nav": NAV}
    return render(request, "security/assets/import.html", context)


urlpatterns: list[URLPattern] = [
    path("komponenten/", asset_list, name="asset_list"),
    path("komponenten/neu/", asset_create_view, name="asset_create"),
    path("komponenten/einlesen/", asset_import_view, name="asset_import"),
    path("komponenten/export.csv", asset_export, {"fmt": "csv"}, name="asset_export_csv"),
    path("komponenten/export.xlsx", asset_export, {"fmt": "xlsx"}, name="asset_export_xlsx"),
    path("komponenten/<int:asset_id>/", asset_detail, name="asset_detail"),
    path("komponenten/<int:asset_id>/bearbeiten/", asset_edit, name="asset_edit"),
    path("komponenten/<int:asset_id>/ausser-betrieb/", asset_retire_view, name="asset_retire"),
]
