from django.urls import path  # noqa: F401

app_name = "shared_services"
urlpatterns: list = []
