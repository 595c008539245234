"""The rules that say which rows of a tenant model an organization may see.

The tenancy mechanism (``ScopedManager``) knows nothing of organizations, relationships or
parties; the apps that define those register a rule per model, once, when they load
(``AppConfig.ready`` imports their ``visibility`` module):

    @scope_rule(Requirement, Evidence)
    def workspace(queryset, organization):
        return queryset.filter(workspace_q(organization))

A model with a ``ScopedManager`` and no rule fails closed: querying it raises.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models

ScopeRule = Callable[[models.QuerySet, Any], models.QuerySet]

_RULES: dict[type[models.Model], ScopeRule] = {}


def scope_rule(*model_classes: type[models.Model]) -> Callable[[ScopeRule], ScopeRule]:
    """Register the decorated function as the scope of ``model_classes``."""

    def register(rule: ScopeRule) -> ScopeRule:
        for model in model_classes:
            existing = _RULES.get(model)
            if existing is not None and existing is not rule:
                raise ImproperlyConfigured(f"{model.__name__} has a scope rule already.")
            _RULES[model] = rule
        return rule

    return register


def rule_for(model: type[models.Model]) -> ScopeRule:
    try:
        return _RULES[model]
    except KeyError:
        raise ImproperlyConfigured(
            f"{model._meta.label} has a ScopedManager but no scope rule: register one with "
            "cbrms.tenancy.scopes.scope_rule in its app's visibility module."
        ) from None


def scope(queryset: models.QuerySet, organization) -> models.QuerySet:
    """``queryset`` narrowed to what ``organization`` may see, by its model's rule."""
    return rule_for(queryset.model)(queryset, organization)


def registered_models() -> set[type[models.Model]]:
    return set(_RULES)
