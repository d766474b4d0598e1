from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("", views.body_list, name="body_list"),
    path("<str:ars>/", views.body_detail, name="body_detail"),
]
