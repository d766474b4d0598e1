from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_list, name="list"),
    path("export.csv", views.audit_export, name="export"),
    path("lesezugriffe/", views.sensitive_read_list, name="sensitive_reads"),
]
