"""The notifications models in Django's admin (read mostly; the pages are the way to change them)."""

from django.contrib import admin

from .models import Event, Notification, OutboxMail, Preference, WebhookDelivery, WebhookSubscription


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "event_type", "title", "actor_name", "alliance_id", "fanned_out_at")
    list_filter = ("event_type",)
    search_fields = ("title", "text")
    readonly_fields = [f.name for f in Event._meta.fields]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "event", "read_at", "mail_state")
    list_filter = ("mail_state",)
    raw_id_fields = ("recipient", "event")


@admin.register(OutboxMail)
class OutboxMailAdmin(admin.ModelAdmin):
    list_display = ("created_at", "to", "subject", "status", "attempts", "next_attempt_at")
    list_filter = ("status", "is_digest")
    search_fields = ("to", "subject")
    raw_id_fields = ("recipient", "event")


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "event_type", "mode")
    raw_id_fields = ("user",)


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("name", "target_url", "alliance_id", "active")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "subscription", "event", "status", "status_code", "attempts")
    list_filter = ("status",)
    raw_id_fields = ("event",)
