"""Pages of shared services under ``/dienste/`` (German paths, like the rest of the UI)."""

from django.urls import path

from . import views

app_name = "shared_services"
urlpatterns = [
    path("", views.index, name="index"),
    path("verbund/<slug:slug>/", views.alliance_services, name="alliance_services"),
    path("verbund/<slug:slug>/neu/", views.service_create, name="service_create"),
    path("<int:service_id>/", views.service_detail, name="service_detail"),
    path("<int:service_id>/angaben/", views.service_edit, name="service_edit"),
    path("<int:service_id>/empfaenger/", views.recipient_add, name="recipient_add"),
    path("<int:service_id>/empfaenger/<int:recipient_id>/ende/", views.recipient_end, name="recipient_end"),
    path("<int:service_id>/einwohner/", views.population_set, name="population_set"),
    path(
        "<int:service_id>/einwohner/<int:figure_id>/entfernen/",
        views.population_delete,
        name="population_delete",
    ),
    path("<int:service_id>/schluessel/", views.key_edit, name="key_edit"),
    path("<int:service_id>/schluessel/vorschau/", views.key_preview, name="key_preview"),
    path("<int:service_id>/kosten/<int:year>/<str:kind>/", views.cost_plan, name="cost_plan"),
    path(
        "<int:service_id>/kosten/<int:year>/<str:kind>/position/", views.cost_item_add, name="cost_item_add"
    ),
    path(
        "<int:service_id>/kosten/<int:year>/<str:kind>/position/<int:item_id>/entfernen/",
        views.cost_item_delete,
        name="cost_item_delete",
    ),
    path(
        "<int:service_id>/kosten/<int:year>/<str:kind>/uebernehmen/",
        views.cost_plan_copy,
        name="cost_plan_copy",
    ),
    path("<int:service_id>/mengen/", views.volumes, name="volumes"),
    path("<int:service_id>/abrechnungen/", views.settlements, name="settlements"),
    path("abrechnung/<int:settlement_id>/", views.settlement_detail, name="settlement_detail"),
    path(
        "abrechnung/<int:settlement_id>/neu-berechnen/",
        views.settlement_recompute,
        name="settlement_recompute",
    ),
    path(
        "abrechnung/<int:settlement_id>/abschliessen/", views.settlement_finalize, name="settlement_finalize"
    ),
    path("abrechnung/<int:settlement_id>/korrigieren/", views.settlement_correct, name="settlement_correct"),
    path("abrechnung/<int:settlement_id>/verwerfen/", views.settlement_discard, name="settlement_discard"),
    path("abrechnung/<int:settlement_id>/rechnung/<str:ars>.pdf", views.invoice_pdf, name="invoice_pdf"),
    path(
        "abrechnung/<int:settlement_id>/rechnung/<str:ars>.xml",
        views.invoice_xrechnung,
        name="invoice_xrechnung",
    ),
    path("<int:service_id>/rechnungsdaten/", views.billing, name="billing"),
    path("<int:service_id>/rechnungsdaten/<str:ars>/", views.billing_edit, name="billing_edit"),
    path("abrechnung/<int:settlement_id>/uebersicht.xlsx", views.overview_xlsx, name="overview_xlsx"),
    path("abrechnung/<int:settlement_id>/uebersicht.csv", views.overview_csv, name="overview_csv"),
]
