"""Reads of the workspace registers: scoped querysets and summaries, ready to show."""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from governance.models import (
    Action,
    ActionStatus,
    Issue,
    IssueStatus,
    Kpi,
    Measurement,
    ObjectiveStatus,
    Risk,
    RiskStatus,
    SurveyAnswer,
    SurveyParticipation,
    SurveyRound,
    TrustIndicator,
)
from relationships.models import Organization, Party, PartyStatus, Relationship

# --- KPIs ----------------------------------------------------------------------------------


@dataclass
class KpiState:
    """A KPI as it stands: its values oldest first, the latest, whether it meets its target,
    which way it moves, and when the next value is due."""

    kpi: Kpi
    values: list[Measurement]
    latest: Measurement | None
    on_track: bool | None  # None: nothing measured yet
    trend: str  # "improving", "worsening", "steady" or "" (fewer than two values)
    next_due: datetime.date

    @property
    def overdue(self) -> bool:
        return self.next_due < timezone.localdate()


def kpi_state(kpi: Kpi) -> KpiState:
    """The state of a KPI whose ``measurements`` are prefetched, or read here."""
    values = sorted(kpi.measurements.all(), key=lambda m: m.period)
    latest = values[-1] if values else None
    trend = ""
    if len(values) >= 2:
        delta = values[-1].value - values[-2].value
        better = delta > 0 if kpi.direction == "up" else delta < 0
        trend = "steady" if delta == 0 else ("improving" if better else "worsening")
    start = latest.period if latest else timezone.localdate(kpi.created_at)
    return KpiState(
        kpi=kpi,
        values=values,
        latest=latest,
        on_track=kpi.meets(latest.value) if latest else None,
        trend=trend,
        next_due=kpi.due_after(start),
    )


def kpis_with_values(queryset) -> list[KpiState]:
    """The states of the KPIs of ``queryset``, their values read in one more query."""
    kpis = queryset.select_related("owner__user", "organization", "objective").prefetch_related(
        Prefetch("measurements", queryset=Measurement.objects.order_by("period"))
    )
    return [kpi_state(kpi) for kpi in kpis]


# --- risks ---------------------------------------------------------------------------------

#: The scales of a risk, in words (the forms, the heat maps of the pages and of the PDFs).
LIKELIHOOD = [
    (1, "1 · Rare"),
    (2, "2 · Unlikely"),
    (3, "3 · Possible"),
    (4, "4 · Likely"),
    (5, "5 · Almost certain"),
]
IMPACT = [
    (1, "1 · Minor"),
    (2, "2 · Moderate"),
    (3, "3 · Significant"),
    (4, "4 · Major"),
    (5, "5 · Severe"),
]


def heat_band(score: int) -> str:
    """How a cell of the 5 x 5 map is coloured: ``high`` from 15, ``medium`` from 8."""
    return "high" if score >= 15 else ("medium" if score >= 8 else "low")


def risk_heat_map(queryset) -> list[dict]:
    """The risks of ``queryset`` counted on the 5 x 5 map: rows of impact 5 to 1, each with
    cells of likelihood 1 to 5 (``likelihood``, ``score``, ``band``, ``count``). One query."""
    counts = {
        (row["likelihood"], row["impact"]): row["count"]
        for row in queryset.order_by().values("likelihood", "impact").annotate(count=Count("id"))
    }
    return [
        {
            "impact": impact,
            "label": label,
            "cells": [
                {
                    "likelihood": likelihood,
                    "score": likelihood * impact,
                    "band": heat_band(likelihood * impact),
                    "count": counts.get((likelihood, impact), 0),
                }
                for likelihood, _ in LIKELIHOOD
            ],
        }
        for impact, label in reversed(IMPACT)
    ]


# --- the overview --------------------------------------------------------------------------


def workspace_overview(relationship: Relationship) -> dict:
    """What a joint management team looks at first: the open risks by score, the issues that
    climbed the ladder or ran out of time, the KPIs off track and the actions overdue."""
    open_risks = Risk.objects.filter(relationship=relationship).exclude(status=RiskStatus.CLOSED)
    issues = Issue.objects.filter(relationship=relationship, status=IssueStatus.OPEN)
    counts = issues.aggregate(
        open=Count("id"),
        escalated=Count("id", filter=Q(level__position__gt=1)),
        overdue=Count("id", filter=Q(level_due_at__lte=timezone.now())),
    )
    overdue_actions = Action.objects.filter(
        relationship=relationship, status=ActionStatus.OPEN, due_date__lt=timezone.localdate()
    ).select_related("owner__user")
    kpis = kpis_with_values(
        Kpi.objects.filter(relationship=relationship, objective__status=ObjectiveStatus.ACTIVE)
    )
    return {
        "top_risks": list(open_risks.order_by("-score", "next_review", "id")[:5]),
        "escalated": list(
            issues.filter(level__position__gt=1)
            .select_related("level")
            .order_by("-level__position", "level_due_at")[:5]
        ),
        "open_issue_count": counts["open"],
        "escalated_count": counts["escalated"],
        "overdue_count": counts["overdue"],
        "overdue_actions": list(overdue_actions.order_by("due_date", "id")[:5]),
        "overdue_action_count": overdue_actions.count(),
        "kpis_off_track": [state for state in kpis if state.on_track is False],
        "kpi_count": len(kpis),
    }


# --- trust surveys -------------------------------------------------------------------------


@dataclass
class IndicatorResult:
    key: str
    label: str
    mean: float
    counts: list[int]  # how many scored 1, 2, 3, 4, 5
    comments: list[str] = field(default_factory=list)


@dataclass
class PartyResult:
    organization: Organization
    answered: int
    shown: bool
    indicators: list[IndicatorResult] = field(default_factory=list)


@dataclass
class SurveyResults:
    survey: SurveyRound
    parties: list[PartyResult]
    joint: list[IndicatorResult]  # over the parties shown only

    @property
    def answered(self) -> int:
        return sum(party.answered for party in self.parties)


def _indicators(survey: SurveyRound, rows) -> list[IndicatorResult]:
    labels = dict(TrustIndicator.choices)
    results = []
    for key in survey.indicators:
        scores = [row.score for row in rows if row.indicator == key]
        if not scores:
            continue
        results.append(
            IndicatorResult(
                key=key,
                label=labels.get(key, key),
                mean=round(statistics.fmean(scores), 2),
                counts=[scores.count(n) for n in range(1, 6)],
                comments=[row.comment for row in rows if row.indicator == key and row.comment],
            )
        )
    return results


def survey_results(survey: SurveyRound) -> SurveyResults | None:
    """A closed round's results, or None while it is open (figures that moved as people
    answered would tell who answered what).

    A party's figures show only when at least the round's threshold of its people answered;
    the joint figures are over those parties alone, so a hidden party's answers cannot be
    worked out from them."""
    if survey.is_open:
        return None
    answered = dict(
        # unscoped(by-id): how many people of each party answered the round; counts, no names
        SurveyParticipation.objects.unscoped()
        .filter(round=survey)
        .values_list("organization_id")
        .annotate(n=Count("id"))
    )
    parties = (
        Party.objects.filter(relationship_id=survey.relationship_id)
        .filter(Q(status=PartyStatus.ACTIVE) | Q(organization_id__in=list(answered)))
        .select_related("organization")
        .order_by("organization__name")
    )
    shown_ids = [org_id for org_id, count in answered.items() if count >= max(survey.threshold, 3)]
    # unscoped(by-id): the round's answers of the parties above the threshold, no others
    rows = list(SurveyAnswer.objects.unscoped().filter(round=survey, organization_id__in=shown_ids))
    results = [
        PartyResult(
            organization=party.organization,
            answered=answered.get(party.organization_id, 0),
            shown=party.organization_id in shown_ids,
            indicators=_indicators(
                survey, [r for r in rows if r.organization_id == party.organization_id]
            )
            if party.organization_id in shown_ids
            else [],
        )
        for party in parties
    ]
    return SurveyResults(survey=survey, parties=results, joint=_indicators(survey, rows))


def survey_trend(relationship: Relationship, *, rounds: int = 6) -> dict:
    """The last closed rounds side by side: per indicator, each round's joint mean (None
    where no party had enough answers)."""
    closed = list(
        SurveyRound.objects.filter(
            relationship=relationship, closes_at__lte=timezone.now()
        ).order_by("-closes_at")[:rounds]
    )[::-1]
    results = [survey_results(survey) for survey in closed]
    table = []
    for key, label in TrustIndicator.choices:
        means = []
        for result in results:
            found = next((i.mean for i in result.joint if i.key == key), None)
            means.append(found)
        if any(mean is not None for mean in means):
            table.append({"key": key, "label": label, "means": means})
    return {"rounds": closed, "rows": table}


def decimal_text(value: Decimal) -> str:
    """A stored figure without its trailing zeros: 97.5000 -> 97.5."""
    text = f"{value.normalize():f}"
    return text
