"""Filters of the audit feed, and the names of the audited tables."""

from __future__ import annotations

from functools import cache

import django_filters as filters
from django.apps import apps
from django.db.models import QuerySet

from cbrms.audit.models import AuditAction, AuditEvent


@cache
def audited_tables() -> dict[str, str]:
    """``app_label.model`` -> table name, for every model whose rows the audit trail records."""
    return {
        model._meta.label_lower: model._meta.db_table
        for model in apps.get_models()
        if any(trigger.name == "audit" for trigger in getattr(model._meta, "triggers", ()))
    }


def object_type_of(table: str) -> str | None:
    """The ``app_label.model`` name of an audited table, or None for a table no longer audited."""
    return {table: label for label, table in audited_tables().items()}.get(table)


def _object_type_choices():
    return [(label, label) for label in sorted(audited_tables())]


class AuditEventFilterSet(filters.FilterSet):
    object_type = filters.ChoiceFilter(
        choices=_object_type_choices,
        method="filter_object_type",
        label="Kind of record, e.g. relationships.relationship",
    )
    table = filters.CharFilter(label="Database table, e.g. relationships_party")
    object_id = filters.NumberFilter()
    relationship = filters.NumberFilter(field_name="relationship_id", label="Relationship id")
    action = filters.ChoiceFilter(choices=AuditAction.choices)
    actor = filters.NumberFilter(field_name="actor_user_id", label="User id of who acted")

    class Meta:
        model = AuditEvent
        fields = ["object_type", "table", "object_id", "relationship", "action", "actor"]

    def filter_object_type(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(table=audited_tables()[value])
