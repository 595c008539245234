"""The scoped manager: tenant querysets exist only relative to an acting organization."""

from __future__ import annotations

from django.db import models

from cbrms.tenancy.context import get_acting_organization
from cbrms.tenancy.scopes import scope


class ScopedQuerySet(models.QuerySet):
    """A queryset of tenant rows; ``Model.objects`` returns it already scoped."""


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):
    """Default manager of every tenant model.

    ``Model.objects.all()`` holds only what the acting organization may see, and raises
    ``NoActingOrganization`` when nobody acts. What "visible" means is the rule the model's app
    registered (``cbrms.tenancy.scopes``). ``unscoped()`` is the one, greppable escape hatch.
    """

    use_in_migrations = False

    def get_queryset(self) -> ScopedQuerySet:
        organization = get_acting_organization()
        return scope(super().get_queryset(), organization)

    def unscoped(self) -> ScopedQuerySet:
        """Every row, whoever acts. Each call says why at the call, ``# unscoped(<kind>): <why>``,
        with a kind of docs/architecture.md, "Reading around the scope" (a test holds it)."""
        return super().get_queryset()

    def none(self) -> ScopedQuerySet:
        """The empty queryset needs nobody to act: it cannot show anything (schema generation)."""
        return super().get_queryset().none()
