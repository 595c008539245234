"""A demo webhook endpoint of Northwind's, disabled until someone points it at a receiver.

Its URL is on a name reserved for examples (it resolves nowhere), so it is written directly
rather than through ``endpoint_create``, whose check resolves the host; and it is disabled, so
no event of the demo is sent to it. An administrator changes the URL (which the form checks)
and enables it to see messages arrive.
"""

from __future__ import annotations

from relationships.models import Membership, Organization, WebhookEndpoint
from relationships.services.webhooks import endpoint_disable, new_secret

DEMO_WEBHOOK = {
    "url": "https://hooks.northwind.example/cbrms",
    "description": "Northwind's incident tool (demo: point it at your receiver, then enable it)",
    "events": ["gate.decided", "issue.escalated", "risk.threshold_crossed"],
    "risk_score_threshold": 15,
}


def ensure_demo_webhook(organization: Organization, admin: Membership) -> int:
    """The endpoint, once; returns how many were made."""
    # unscoped(system): demo data
    if WebhookEndpoint.objects.unscoped().filter(organization=organization).exists():
        return 0
    # unscoped(create): demo data, see the module's docstring
    endpoint = WebhookEndpoint.objects.unscoped().create(
        organization=organization, created_by=admin.user, secret=new_secret(), **DEMO_WEBHOOK
    )
    endpoint_disable(
        endpoint=endpoint, reason="Demo endpoint: give it your receiver's URL, then enable it."
    )
    return 1
