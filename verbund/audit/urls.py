from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_list, name="list"),
    path("export.csv", views.audit_export, name="export"),
    path("exporte/<int:pk>/", views.export_detail, name="export_detail"),
    path("exporte/<int:pk>/datei.csv", views.export_download, name="export_download"),
    path("lesezugriffe/", views.sensitive_read_list, name="sensitive_reads"),
]
