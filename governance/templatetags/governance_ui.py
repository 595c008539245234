"""Template tags of the workspace registers, for pages of the layers below that show them."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from governance.selectors import workspace_overview as overview_of
from relationships.models import Relationship

register = template.Library()


@register.simple_tag(takes_context=True)
def workspace_overview(context, relationship: Relationship) -> SafeString:
    """The registers card of the relationship page: links, top risks and escalated issues, as
    the acting organization sees them."""
    request = context["request"]
    data = {"relationship": relationship, **overview_of(relationship)}
    return render_to_string("governance/_overview.html", data, request=request)
