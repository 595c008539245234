"""Template tags that name an organization or a person through ``relationships.disclosure``.

``{% load disclosure %}``, then ``{% organization_name organization relationship_id %}`` or
``{% person_name membership relationship_id %}``: "Another member" where the acting
organization may not be told who it is.
"""

from __future__ import annotations

from django import template

from relationships.disclosure import request_disclosure

register = template.Library()


@register.simple_tag(takes_context=True)
def organization_name(context, organization, relationship_id) -> str:
    return request_disclosure(context["request"]).organization_name(organization, relationship_id)


@register.simple_tag(takes_context=True)
def person_name(context, membership, relationship_id) -> str:
    return request_disclosure(context["request"]).person_name(membership, relationship_id)
