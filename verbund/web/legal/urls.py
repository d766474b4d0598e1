"""The legal pages (linked in the footer of every page) and their administration by the operator."""

from django.urls import path

from . import views

app_name = "legal"
urlpatterns = [
    path("impressum/", views.legal_page, {"kind": "impressum"}, name="impressum"),
    path("datenschutz/", views.legal_page, {"kind": "datenschutz"}, name="datenschutz"),
    path("barrierefreiheit/", views.accessibility, name="barrierefreiheit"),
    path("betrieb/rechtstexte/", views.manage, name="manage"),
    path("betrieb/rechtstexte/rueckmeldungen/", views.feedback_list, name="feedback_list"),
    path(
        "betrieb/rechtstexte/rueckmeldungen/<int:pk>/erledigt/",
        views.feedback_handle,
        name="feedback_handle",
    ),
    path("betrieb/rechtstexte/<slug:kind>/", views.edit, name="edit"),
]
