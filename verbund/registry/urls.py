from django.urls import path

from . import import_views, views

app_name = "registry"
urlpatterns = [
    path("", views.body_list, name="body_list"),
    path("import/", import_views.import_list, name="import_list"),
    path("import/<int:pk>/", import_views.import_detail, name="import_detail"),
    path("<str:ars>/", views.body_detail, name="body_detail"),
]
