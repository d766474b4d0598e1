"""Pages of the planning part under ``/planung/``."""

from django.urls import path

from . import views

app_name = "planning"
urlpatterns = [
    path("", views.index, name="index"),
    path("kostenmodelle/", views.cost_models, name="cost_models"),
    path("kostenmodelle/<slug:slug>/<str:state>/", views.cost_model_edit, name="cost_model_edit"),
    path("empfehlungen/", views.recommendation_start, name="recommendation_start"),
    path("empfehlungen/<str:ars>/", views.recommendations, name="recommendations"),
    path("empfehlungen/<str:ars>/verbund/", views.recommendation_adopt, name="recommendation_adopt"),
    path("szenarien/neu/", views.scenario_create, name="scenario_create"),
    path("szenarien/<int:pk>/", views.scenario_detail, name="scenario_detail"),
    path("szenarien/<int:pk>/fortschritt/", views.scenario_progress, name="scenario_progress"),
    path("szenarien/<int:pk>/status.json", views.scenario_status, name="scenario_status"),
    path("szenarien/<int:pk>/vergleich/", views.scenario_compare_view, name="scenario_compare"),
    path("szenarien/<int:pk>/status-quo/", views.scenario_status_quo_view, name="scenario_status_quo"),
    path("szenarien/<int:pk>/export.csv", views.scenario_export_csv, name="scenario_export_csv"),
    path("szenarien/<int:pk>/export.geojson", views.scenario_export_geojson, name="scenario_export_geojson"),
    path("szenarien/<int:pk>/loeschen/", views.scenario_delete, name="scenario_delete"),
    path("szenarien/<int:pk>/neu-starten/", views.scenario_restart, name="scenario_restart"),
]
