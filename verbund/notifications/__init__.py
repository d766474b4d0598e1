"""Notifications: events that parts publish, delivered to an in-app inbox, e-mail and webhooks."""
