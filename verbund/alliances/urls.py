"""Pages of the alliances, mounted at ``/verbuende/``. Fixed paths come before ``<slug>``."""

from django.urls import path

from . import views

app_name = "alliances"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("neu/", views.create, name="create"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.json", views.export_json, name="export_json"),
    path("export.geojson", views.export_geojson, name="export_geojson"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/bearbeiten/", views.edit, name="edit"),
    path("<slug:slug>/status/", views.transition, name="transition"),
    path("<slug:slug>/beenden/", views.end, name="end"),
    path("<slug:slug>/veroeffentlichung/", views.publication, name="publication"),
    path("<slug:slug>/mitglieder/", views.member_add, name="member_add"),
    path("<slug:slug>/mitglieder/suche/", views.member_search, name="member_search"),
    path("<slug:slug>/mitglieder/<int:membership_id>/austritt/", views.member_remove, name="member_remove"),
    path(
        "<slug:slug>/mitglieder/<int:membership_id>/bestaetigung/",
        views.member_confirm,
        name="member_confirm",
    ),
    path("<slug:slug>/vereinbarungen/", views.agreement_upload, name="agreement_upload"),
    path("<slug:slug>/vereinbarungen/<int:document_id>/datei/", views.agreement_file, name="agreement_file"),
    path("<slug:slug>/beschluesse/", views.resolution_upload, name="resolution_upload"),
    path("<slug:slug>/beschluesse/<int:resolution_id>/datei/", views.resolution_file, name="resolution_file"),
    path("<slug:slug>/koordination/", views.coordinator_add, name="coordinator_add"),
    path("<slug:slug>/koordination/uebergabe/", views.coordinator_handover, name="coordinator_handover"),
    path(
        "<slug:slug>/koordination/<int:user_id>/entziehen/",
        views.coordinator_revoke,
        name="coordinator_revoke",
    ),
]
