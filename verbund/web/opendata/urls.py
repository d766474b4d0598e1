"""Open data under ``/opendata/``: the catalogue page, the DCAT-AP.de catalogue and two exports."""

from django.urls import path

from . import views

app_name = "opendata"
urlpatterns = [
    path("", views.index, name="index"),
    path("catalog.jsonld", views.catalog_jsonld, name="catalog"),
    path("koerperschaften.csv", views.bodies_csv, name="bodies_csv"),
    path("foerderung.csv", views.funding_csv, name="funding_csv"),
    path("foerderung.json", views.funding_json, name="funding_json"),
    path("programm.csv", views.programme_csv, name="programme_csv"),
    path("programm.json", views.programme_json, name="programme_json"),
]
