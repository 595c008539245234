"""The daily reminder digest: for each person, the actions due soon or overdue, the KPI values
due and the risk reviews due, of every organization they belong to, in one email a day.

Run by Celery beat several times a day (``governance.beat.send_reminder_digests``): a person
whose digest went out today is skipped; one whose sending failed is tried at the next run. The
``ReminderDigest`` row is written in the transaction that sends, under a unique (person, day)
constraint, so two runs at once send one digest."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cbrms.mail import absolute_url
from governance.models import (
    Action,
    ActionStatus,
    Kpi,
    Measurement,
    ObjectiveStatus,
    ReminderDigest,
    Risk,
    RiskStatus,
)
from governance.selectors import kpi_state
from relationships.models import User

#: Actions are announced this many days before they fall due.
ACTIONS_AHEAD = datetime.timedelta(days=3)


@dataclass
class Reminder:
    kind: str  # "action", "kpi", "risk"
    title: str
    relationship: str
    due: datetime.date
    link: str

    def overdue_on(self, today: datetime.date) -> bool:
        return self.due < today


def _url(name: str, owner, relationship_id: int, pk: int) -> str:
    return absolute_url(reverse(name, args=[owner.organization.slug, relationship_id, pk]))


def reminders_due(today: datetime.date) -> dict[int, list[Reminder]]:
    """User id -> what is due for them, over every organization. Three queries and a prefetch;
    the rows are each owned by a person of their owning organization, who may see them."""
    due: dict[int, list[Reminder]] = defaultdict(list)
    actions = (
        # unscoped(system): the digest job reads every organization's reminders
        Action.objects.unscoped()
        .filter(status=ActionStatus.OPEN, due_date__lte=today + ACTIONS_AHEAD, owner__isnull=False)
        .select_related("owner__organization", "relationship")
        .order_by("due_date", "id")
    )
    for action in actions:
        due[action.owner.user_id].append(
            Reminder(
                "action",
                action.title,
                action.relationship.name,
                action.due_date,
                _url("action-page", action.owner, action.relationship_id, action.pk),
            )
        )
    kpis = (
        # unscoped(system): as above
        Kpi.objects.unscoped()
        .filter(objective__status=ObjectiveStatus.ACTIVE, owner__isnull=False)
        .select_related("owner__organization", "relationship")
        .prefetch_related(
            # unscoped(system): as above
            Prefetch("measurements", queryset=Measurement.objects.unscoped().order_by("period"))
        )
        .order_by("id")
    )
    for kpi in kpis:
        state = kpi_state(kpi)
        if state.next_due <= today:
            due[kpi.owner.user_id].append(
                Reminder(
                    "kpi",
                    f"Record {kpi.name}",
                    kpi.relationship.name,
                    state.next_due,
                    _url("objective-page", kpi.owner, kpi.relationship_id, kpi.objective_id),
                )
            )
    risks = (
        # unscoped(system): as above
        Risk.objects.unscoped()
        .exclude(status=RiskStatus.CLOSED)
        .filter(next_review__lte=today, owner__isnull=False)
        .select_related("owner__organization", "relationship")
        .order_by("next_review", "id")
    )
    for risk in risks:
        due[risk.owner.user_id].append(
            Reminder(
                "risk",
                f"Review {risk.title}",
                risk.relationship.name,
                risk.next_review,
                _url("risk-page", risk.owner, risk.relationship_id, risk.pk),
            )
        )
    return due


def send_reminder_digests(*, today: datetime.date | None = None) -> int:
    """Send today's digest to everyone with something due who has not had it; returns how
    many were sent."""
    today = today or timezone.localdate()
    due = reminders_due(today)
    users = User.objects.filter(pk__in=list(due), is_active=True).in_bulk()
    sent = 0
    for user_id, reminders in due.items():
        user = users.get(user_id)
        if user is None:
            continue
        try:
            with transaction.atomic():
                # The row is the claim: a second run at once waits on it, then fails here.
                ReminderDigest.objects.create(user=user, day=today, items=len(reminders))
                _send(user, reminders, today)
        except IntegrityError:
            continue  # already sent today
        sent += 1
    return sent


def _send(user: User, reminders: list[Reminder], today: datetime.date) -> None:
    groups = {
        "actions": [r for r in reminders if r.kind == "action"],
        "kpis": [r for r in reminders if r.kind == "kpi"],
        "risks": [r for r in reminders if r.kind == "risk"],
    }
    overdue = sum(r.overdue_on(today) for r in reminders)
    subject = f"CBRMS: {len(reminders)} thing{'s' if len(reminders) != 1 else ''} due"
    if overdue:
        subject += f", {overdue} overdue"
    body = render_to_string(
        "governance/email/reminder_digest.txt",
        {"person": user, "today": today, "overdue": overdue, **groups},
    )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False)
