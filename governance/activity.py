"""The activity feed of a relationship's workspace: the audit trail's events about its
registers, as the acting organization may read them (the trail's own scope: its own rows, and
the joint rows of its relationships), each told as a sentence with a link to what changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from django.core.exceptions import FieldDoesNotExist
from django.db.models import DateField, DateTimeField, OuterRef, QuerySet, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst

from cbrms.audit.models import AuditEvent
from governance.models import (
    Action,
    Decision,
    EscalationLevel,
    Issue,
    IssueStep,
    KnowledgeAsset,
    Kpi,
    Measurement,
    Meeting,
    Objective,
    Risk,
    SurveyRound,
)
from relationships.disclosure import ANOTHER_MEMBER
from relationships.models import Organization, Relationship, User

#: The registers the feed tells of. Survey answers and who took part are not audited at all.
FEED_MODELS = (
    Objective,
    Kpi,
    Measurement,
    Risk,
    Issue,
    IssueStep,
    EscalationLevel,
    Meeting,
    Decision,
    Action,
    KnowledgeAsset,
    SurveyRound,
)
#: Columns that say nothing to a reader (ids, bookkeeping).
QUIET = {"id", "relationship_id", "organization_id", "created_by_id", "created_at", "updated_at"}
VERBS = {"create": "added", "update": "changed", "delete": "removed"}


@cache
def _models_by_table() -> dict[str, type]:
    return {model._meta.db_table: model for model in FEED_MODELS}


def activity_events(relationship: Relationship, queryset: QuerySet | None = None) -> QuerySet:
    """The scoped trail (or ``queryset`` of it) of the relationship's registers, newest first,
    naming who acted."""
    actor_email = User.objects.filter(pk=OuterRef("actor_user_id")).values("email")[:1]
    acting = (
        # unscoped(by-id): names the acting organization of visible events
        Organization.objects.unscoped().filter(pk=OuterRef("acting_organization_id")).order_by()
    )
    queryset = AuditEvent.objects.all() if queryset is None else queryset
    return (
        queryset.filter(relationship_id=relationship.pk, table__in=list(_models_by_table()))
        .annotate(
            actor_email=Subquery(actor_email),
            acting_name=Subquery(acting.values("name")[:1]),
            acting_organization_slug=Subquery(acting.values("slug")[:1]),
        )
        .order_by("-id")
    )


@dataclass
class Entry:
    event: AuditEvent
    who: str
    organization: str
    verb: str
    kind: str
    title: str
    link: str | None
    details: list[str] = field(default_factory=list)

    @property
    def sentence(self) -> str:
        by = f"{self.who} ({self.organization})" if self.organization else self.who
        return f"{by} {self.verb} {self.kind} “{self.title}”"


def _title(model, obj) -> str:
    if isinstance(obj, Measurement):
        return f"{obj.kpi.name}, {obj.period:%b %Y}"
    if isinstance(obj, IssueStep):
        return obj.issue.title
    return getattr(obj, "title", None) or getattr(obj, "name", None) or str(obj)


def _link(org_slug: str, relationship_id: int, obj) -> str | None:
    targets = {
        Objective: lambda o: ("objective-page", o.pk),
        Kpi: lambda o: ("objective-page", o.objective_id),
        Measurement: lambda o: ("objective-page", o.kpi.objective_id),
        Risk: lambda o: ("risk-page", o.pk),
        Issue: lambda o: ("issue-page", o.pk),
        IssueStep: lambda o: ("issue-page", o.issue_id),
        Meeting: lambda o: ("meeting-page", o.pk),
        Decision: lambda o: ("meeting-page", o.meeting_id),
        Action: lambda o: ("action-page", o.pk),
        KnowledgeAsset: lambda o: ("knowledge-page", o.pk),
        SurveyRound: lambda o: ("survey-page", o.pk),
    }
    target = targets.get(type(obj))
    if target is None:
        return None
    name, pk = target(obj)
    try:
        return reverse(name, args=[org_slug, relationship_id, pk])
    except NoReverseMatch:
        return None


def _details(model, event: AuditEvent) -> list[str]:
    """``field: old → new`` for the plain fields an update changed; names only for the rest."""
    if event.action != "update":
        return []
    lines = []
    for column, pair in sorted(event.changes.items()):
        if column in QUIET:
            continue
        try:
            model_field = model._meta.get_field(column.removesuffix("_id"))
        except FieldDoesNotExist:  # a column since dropped: nothing to name it by
            continue
        label = capfirst(str(model_field.verbose_name))
        old, new = [*pair, None, None][:2] if isinstance(pair, list) else (None, None)
        plain = not model_field.is_relation and len(str(old)) + len(str(new)) <= 80
        if plain and model_field.choices:
            choices = dict(model_field.flatchoices)
            old, new = choices.get(old, old), choices.get(new, new)
        elif plain and isinstance(model_field, DateTimeField | DateField):
            old, new = _when(old), _when(new)
        lines.append(f"{label}: {old or '—'} → {new or '—'}" if plain else label)
    return lines


def _when(value: str | None) -> str | None:
    """A date or date-time the trail stored as ISO text, as people read it."""
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is not None:
        return formats.date_format(timezone.localtime(moment), "j M Y, H:i")
    day = parse_date(value)
    return formats.date_format(day, "j M Y") if day else value


def describe(events, *, organization: Organization, disclosure) -> list[Entry]:
    """The events as entries: who did what to which record, with a link while it is there.
    The records are read through the acting organization's scope, a query per kind."""
    by_model: dict[type, set[int]] = {}
    for event in events:
        model = _models_by_table().get(event.table)
        if model is not None:
            by_model.setdefault(model, set()).add(event.object_id)
    related = {
        Measurement: ("kpi",),
        IssueStep: ("issue",),
    }
    objects = {
        (model, obj.pk): obj
        for model, ids in by_model.items()
        for obj in model.objects.filter(pk__in=ids).select_related(*related.get(model, ()))
    }
    entries = []
    for event in events:
        model = _models_by_table()[event.table]
        obj = objects.get((model, event.object_id))
        hidden = disclosure.hides(event.acting_organization_id, event.relationship_id)
        snapshot = {k: (v[1] if isinstance(v, list) else v) for k, v in event.changes.items()}
        if obj is not None:
            title = _title(model, obj)
        else:
            title = snapshot.get("title") or snapshot.get("name") or f"#{event.object_id}"
            if event.action == "delete":
                old = {k: (v[0] if isinstance(v, list) else v) for k, v in event.changes.items()}
                title = old.get("title") or old.get("name") or title
        entries.append(
            Entry(
                event=event,
                who=ANOTHER_MEMBER if hidden else (event.actor_email or "The system"),
                organization="" if hidden else (event.acting_name or ""),
                verb=VERBS.get(event.action, event.action),
                kind=str(model._meta.verbose_name),
                title=str(title),
                link=_link(organization.slug, event.relationship_id, obj) if obj else None,
                details=_details(model, event),
            )
        )
    return entries
