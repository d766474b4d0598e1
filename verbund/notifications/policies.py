"""Who may do what with notifications.

* **Inbox and preferences**: one's own only. Nobody — operators included — reads another user's
  notifications; another user's notification is "not found".
* **Webhook subscriptions**: Plattformbetrieb manages them (they send data to other systems, so the
  operator decides which systems receive what); system actors need ``notifications.manage``.
* **Failure view and redelivery** (failed e-mails and webhook deliveries): Plattformbetrieb.
"""

from __future__ import annotations

from verbund.common.principal import Principal

MANAGE = "notifications.manage"


def may_use_inbox(principal: Principal) -> bool:
    return principal.is_person


def may_manage_webhooks(principal: Principal) -> bool:
    if principal.is_system:
        return principal.capable(MANAGE)
    return principal.is_operator


def may_see_failures(principal: Principal) -> bool:
    return may_manage_webhooks(principal)
