"""Template tags of the lifecycle pages: the relationship page's lifecycle panels, the SER's
count of waiting approvals in the header, and two small display filters."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from cbrms.tenancy.context import current
from lifecycle.panels import workspace_context
from lifecycle.selectors.documents import waiting_versions
from lifecycle.selectors.gates import waiting_approvals
from relationships.models import Relationship
from relationships.roles import Capability, role_can

register = template.Library()


@register.simple_tag(takes_context=True)
def lifecycle_workspace(context, relationship: Relationship) -> SafeString:
    """The timeline, the checklist of the chosen stage, the gate panel and the decision record.

    Rendered with the request, so the forms get their CSRF token and the panels read as the
    acting organization (the relationship page renders inside its scope).
    """
    request = context["request"]
    return render_to_string(
        "lifecycle/_workspace.html", workspace_context(request, relationship), request=request
    )


@register.simple_tag(takes_context=True)
def waiting_approvals_count(context) -> int:
    """How many gates and document versions wait for the signed-in SER's decision (0 for
    anyone else).

    Error pages render outside the acting scope; they show the link without a count.
    """
    membership = context.get("acting_membership")
    acting = current()
    if (
        membership is None
        or acting is None
        or acting.organization.pk != membership.organization_id
        or not role_can(membership.role, Capability.GATES_DECIDE)
    ):
        return 0
    return (
        waiting_approvals(membership=membership).count()
        + waiting_versions(membership=membership).count()
    )


@register.filter
def is_http_url(value: str) -> bool:
    """Only http(s) addresses become links; anything else is shown as text."""
    return isinstance(value, str) and value.lower().startswith(("https://", "http://"))


@register.filter
def clause(key: str) -> str:
    """``iso44001:8.2.2`` -> ``8.2.2``: the clause a catalog item stands for."""
    return key.rpartition(":")[2]


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template (a table row's cell by its column), empty when absent."""
    return mapping.get(key, "") if hasattr(mapping, "get") else ""
