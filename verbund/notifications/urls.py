from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.open_notification, name="open"),
    path("<int:pk>/gelesen/", views.mark_read, name="mark_read"),
    path("alle-gelesen/", views.mark_all_read, name="mark_all_read"),
    path("einstellungen/", views.preferences, name="preferences"),
    path("webhooks/", views.webhook_list, name="webhooks"),
    path("webhooks/<int:pk>/", views.webhook_detail, name="webhook_detail"),
    path("webhooks/<int:pk>/loeschen/", views.webhook_delete, name="webhook_delete"),
    path("fehler/", views.failures, name="failures"),
    path("fehler/email/<int:pk>/erneut/", views.mail_redeliver, name="mail_redeliver"),
    path("fehler/webhook/<int:pk>/erneut/", views.delivery_redeliver, name="delivery_redeliver"),
]
