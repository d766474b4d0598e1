from django.urls import path

from . import queue, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("start/", views.start, name="start"),
    path("betrieb/warteschlange/", queue.queue_view, name="queue"),
]
