"""Where the base reaches the app that defines tenants: one setting, ``CBRMS_TENANCY``.

The tenancy mechanism knows that requests act as an organization, through a membership with a
role; what an organization, a membership and a role are is the relationships app's. The setting
names them (dotted paths), so nothing here imports that app:

- ``TENANT_MODEL``: the organization model, ``"app_label.Model"``;
- ``RESOLVE_MEMBERSHIP``: ``(user=, organization_slug=, auth=) -> membership``, raising
  ``Http404`` when the caller may not act as that organization (``auth`` is DRF's
  ``request.auth``: a token acts only as its own organization);
- ``ROLE_CAN``: ``(role, capability) -> bool``, the capability table.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from django.apps import apps
from django.conf import settings
from django.utils.module_loading import import_string


def tenant_model():
    return apps.get_model(settings.CBRMS_TENANCY["TENANT_MODEL"])


@cache
def _callable(name: str) -> Callable:
    return import_string(settings.CBRMS_TENANCY[name])


def resolve_membership(*, user, organization_slug: str, auth=None):
    return _callable("RESOLVE_MEMBERSHIP")(
        user=user, organization_slug=organization_slug, auth=auth
    )


def role_can(role: str, capability: str) -> bool:
    return _callable("ROLE_CAN")(role, capability)
