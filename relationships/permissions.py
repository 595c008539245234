"""The role check of the browser: one predicate and one decorator, on the capability table.

The API checks the same table through ``HasCapability`` (``cbrms.tenancy.api``); pages and the
panels they show ask ``can`` to decide what to offer, and views that act are declared with
``capability_required`` (403 otherwise, the product's own page).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from relationships.roles import Capability, role_can

REFUSED = "Your role in this organization does not allow this."


def can(request: HttpRequest, capability: Capability) -> bool:
    """Whether the member acting in ``request`` holds ``capability``."""
    membership = getattr(request, "membership", None)
    return membership is not None and role_can(membership.role, capability)


def require(request: HttpRequest, capability: Capability) -> None:
    if not can(request, capability):
        raise PermissionDenied(REFUSED)


def capability_required(capability: Capability) -> Callable:
    """Decorate a browser view of ``/o/<org>/...`` that needs ``capability``."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def run(request: HttpRequest, *args, **kwargs):
            require(request, capability)
            return view(request, *args, **kwargs)

        run.required_capability = capability  # read by the walk over every browser route
        return run

    return decorate
