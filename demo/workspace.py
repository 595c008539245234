"""The rest of the northwind-contoso joint workspace, in our own words: objectives with a year of
KPI values, the joint management team's meetings with their decisions and actions, and two
closed trust survey rounds (one with enough answers from each party, one without).

Dates are relative to the day the demo is seeded, so the workspace always looks current."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from governance.models import ActionStatus, MeetingStatus, SurveyRound, TrustIndicator
from governance.services.meetings import (
    action_create,
    action_update,
    decision_record,
    meeting_create,
)
from governance.services.objectives import kpi_create, measurement_record, objective_create
from governance.services.surveys import survey_answer, survey_close, survey_open
from relationships.models import Membership, Relationship

# --- objectives and KPIs -----------------------------------------------------------------------


@dataclass(frozen=True)
class DemoKpi:
    name: str
    unit: str
    target: str
    direction: str
    cadence: str
    values: str  # space-separated, oldest first, one per period up to the last one closed


@dataclass(frozen=True)
class DemoObjective:
    owner: str  # organization slug; its relationship manager sets it
    visibility: str
    title: str
    description: str
    months_to_target: int
    principle: str
    requirement_key: str = ""
    kpis: tuple[DemoKpi, ...] = ()


PARTNERSHIP_OBJECTIVES = (
    DemoObjective(
        "northwind",
        "joint",
        "Keep the shelves full",
        "Stores have what customers look for, without the warehouse holding more stock.",
        8,
        "value_creation",
        "iso44001:8.7.3",
        (
            DemoKpi(
                "On-shelf availability",
                "%",
                "97.5",
                "up",
                "monthly",
                "94.8 95.1 94.6 95.4 95.9 96.2 96.0 96.5 96.9 97.2 96.4 96.8",
            ),
            DemoKpi(
                "Deliveries in the agreed window",
                "%",
                "95",
                "up",
                "monthly",
                "92.1 93.0 92.7 93.8 94.2 94.9 95.3 95.1 95.8 96.0 95.4 95.9",
            ),
        ),
    ),
    DemoObjective(
        "contoso",
        "joint",
        "Lower the cost to serve",
        "Fewer touches per case and fuller trailers, the savings shared half and half.",
        12,
        "business_objectives",
        "iso44001:8.7.2",
        (
            DemoKpi(
                "Cost per case delivered",
                "EUR",
                "0.85",
                "down",
                "monthly",
                "1.02 1.01 0.99 0.98 0.97 0.95 0.94 0.93 0.91 0.90 0.89 0.88",
            ),
            DemoKpi(
                "Empty trailer kilometres",
                "%",
                "12",
                "down",
                "quarterly",
                "18.4 16.9 14.2 11.6",
            ),
        ),
    ),
    DemoObjective(
        "northwind",
        "internal",
        "Keep a credible alternative for the renewal",
        "A second logistics provider runs a small share of volume, so that we negotiate from "
        "strength.",
        10,
        "exit_strategy",
        kpis=(
            DemoKpi(
                "Volume with the second provider",
                "%",
                "10",
                "up",
                "quarterly",
                "2 4 5.5 6",
            ),
        ),
    ),
    DemoObjective(
        "contoso",
        "internal",
        "Fill the spare warehouse space",
        "Other customers use the space Northwind's delayed store openings left empty.",
        6,
        "business_objectives",
        kpis=(
            DemoKpi(
                "Warehouse occupancy",
                "%",
                "90",
                "up",
                "monthly",
                "78 77 79 80 82 81 83 84 86 85 87 88",
            ),
        ),
    ),
)


def _month_end(day: datetime.date, months_back: int) -> datetime.date:
    """The last day of the month ``months_back`` months before ``day``'s."""
    year, month = divmod(day.year * 12 + day.month - 1 - months_back, 12)
    return datetime.date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def _periods(cadence: str, count: int, today: datetime.date) -> list[datetime.date]:
    """The ends of the last ``count`` closed periods of a cadence, oldest first."""
    step = {"monthly": 1, "quarterly": 3}[cadence]
    last = _month_end(today, 1)  # the last month closed
    return [_month_end(last, step * (count - 1 - i)) for i in range(count)]


# --- meetings, decisions and actions -----------------------------------------------------------


@dataclass(frozen=True)
class DemoAction:
    owner: tuple[str, str]  # (organization slug, login)
    title: str
    due_in_days: int
    done: bool = False
    decision: int | None = None  # index of the meeting's decision it follows


@dataclass(frozen=True)
class DemoMeeting:
    title: str
    days_from_today: int
    location: str
    agenda: str
    minutes: str = ""
    attendees: tuple[tuple[str, str], ...] = ()
    decisions: tuple[tuple[str, str], ...] = ()  # (decision, why)
    actions: tuple[DemoAction, ...] = ()

    @property
    def status(self) -> str:
        return MeetingStatus.HELD if self.days_from_today < 0 else MeetingStatus.PLANNED


TEAM = (
    ("northwind", "manager"),
    ("northwind", "contributor"),
    ("contoso", "manager"),
    ("contoso", "contributor"),
)

PARTNERSHIP_MEETINGS = (
    DemoMeeting(
        "Joint management team: September review",
        -63,
        "Contoso depot, Rotterdam",
        "1. KPIs of the summer\n2. Peak season readiness\n3. Shared forecasting",
        "Availability is up two points since spring; late deliveries cluster on Mondays. "
        "Contoso will not have enough seasonal staff unless both sides plan together. "
        "Northwind's planners are ready to share store-level forecasts.",
        (*TEAM, ("contoso", "executive")),
        (
            (
                "Pilot shared store-level forecasting in 20 stores from October",
                "Both planning teams are ready, and a pilot keeps the risk small.",
            ),
            (
                "Plan peak-season staffing as one joint plan",
                "Separate plans left both sides short last December.",
            ),
        ),
        (
            DemoAction(("northwind", "contributor"), "Send the pilot store list", -49, True, 0),
            DemoAction(("contoso", "manager"), "Draft the joint peak staffing plan", -12, False, 1),
            DemoAction(
                ("northwind", "manager"), "Share last year's December volumes", -50, True, 1
            ),
        ),
    ),
    DemoMeeting(
        "Joint management team: November review",
        -9,
        "Video call",
        "1. Pilot results\n2. Escalated issues\n3. Risk review before the peak",
        "The forecasting pilot cut stock-outs in the pilot stores by a third. The waiting-time "
        "invoices stay with the SERs. The capacity shortfall risk is being treated.",
        TEAM,
        (
            (
                "Extend shared forecasting to every store in January",
                "The pilot met its target in both months.",
            ),
            (
                "Freeze store goods-in windows from 1 December to 10 January",
                "Window changes caused most failed deliveries last month.",
            ),
        ),
        (
            DemoAction(("contoso", "contributor"), "Prepare waiting-time data for the SERs", 2),
            DemoAction(
                ("northwind", "manager"), "Tell every store about the window freeze", 5, False, 1
            ),
            DemoAction(("northwind", "contributor"), "Plan the forecasting roll-out", 21, False, 0),
        ),
    ),
    DemoMeeting(
        "Joint management team: December review",
        19,
        "Northwind head office, Leeds",
        "1. Peak season so far\n2. Renewal timetable\n3. Maturity review planning",
        attendees=TEAM,
    ),
)

#: An internal action of northwind's, not from a meeting.
INTERNAL_ACTION = DemoAction(("northwind", "manager"), "Brief the new account manager", 4)


# --- trust surveys -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSurvey:
    title: str
    opened_days_ago: int
    closed_days_ago: int
    respondents: dict[str, int]  # organization slug -> how many of its people answer
    base_scores: dict[str, int] = field(default_factory=dict)  # indicator -> typical score
    comments: tuple[str, ...] = ()


PEOPLE_ORDER = ("manager", "contributor", "executive", "admin", "viewer")

PARTNERSHIP_SURVEYS = (
    DemoSurvey(
        "Trust survey: spring",
        200,
        186,
        {"northwind": 5, "contoso": 5},
        {
            "openness": 3,
            "reliability": 4,
            "fairness": 3,
            "problem_solving": 3,
            "respect": 4,
            "communication": 3,
            "commitment": 4,
        },
        (
            "Forecasts reach us too late to plan staff.",
            "Good people on both sides, but decisions take too long.",
        ),
    ),
    DemoSurvey(
        "Trust survey: autumn",
        34,
        20,
        {"northwind": 5, "contoso": 2},
        {
            "openness": 4,
            "reliability": 4,
            "fairness": 3,
            "problem_solving": 4,
            "respect": 4,
            "communication": 4,
            "commitment": 4,
        },
        ("The monthly reviews help: problems come up before they hurt.",),
    ),
)


# --- seeding -------------------------------------------------------------------------------------


def ensure_objectives(
    relationship: Relationship,
    *,
    acting_for: Callable,
    member: Callable[[str, str], Membership],
) -> int:
    """Set the objectives and their KPIs, and record a year of values; returns how many
    objectives were set."""
    today = timezone.localdate()
    for demo in PARTNERSHIP_OBJECTIVES:
        manager = member(demo.owner, "manager")
        with acting_for(demo.owner):
            objective = objective_create(
                relationship=relationship,
                membership=manager,
                title=demo.title,
                description=demo.description,
                target_date=_month_end(today, -demo.months_to_target),
                principle=demo.principle,
                requirement_key=demo.requirement_key,
                visibility=demo.visibility,
            )
            for demo_kpi in demo.kpis:
                kpi = kpi_create(
                    objective=objective,
                    membership=manager,
                    name=demo_kpi.name,
                    unit=demo_kpi.unit,
                    target=Decimal(demo_kpi.target),
                    direction=demo_kpi.direction,
                    cadence=demo_kpi.cadence,
                )
                values = demo_kpi.values.split()
                periods = _periods(demo_kpi.cadence, len(values), today)
                for period, value in zip(periods, values, strict=True):
                    measurement_record(
                        kpi=kpi, membership=manager, period=period, value=Decimal(value)
                    )
    return len(PARTNERSHIP_OBJECTIVES)


def ensure_meetings(
    relationship: Relationship,
    *,
    lead: str,
    acting_for: Callable,
    member: Callable[[str, str], Membership],
) -> int:
    """Hold the joint management team's meetings, record what they decided and give their
    actions; returns how many meetings there are."""
    today = timezone.localdate()
    chair = member(lead, "manager")
    for demo in PARTNERSHIP_MEETINGS:
        held_at = timezone.make_aware(
            datetime.datetime.combine(
                today + datetime.timedelta(days=demo.days_from_today), datetime.time(10, 0)
            )
        )
        with acting_for(lead):
            meeting = meeting_create(
                relationship=relationship,
                membership=chair,
                title=demo.title,
                held_at=held_at,
                location=demo.location,
                agenda=demo.agenda,
                minutes=demo.minutes,
                status=demo.status,
                attendees=[member(slug, login) for slug, login in demo.attendees],
                visibility="joint",
            )
            decisions = [
                decision_record(meeting=meeting, membership=chair, title=title, rationale=why)
                for title, why in demo.decisions
            ]
            for demo_action in demo.actions:
                action = action_create(
                    relationship=relationship,
                    membership=chair,
                    title=demo_action.title,
                    due_date=today + datetime.timedelta(days=demo_action.due_in_days),
                    owner=member(*demo_action.owner),
                    meeting=meeting,
                    decision=(
                        decisions[demo_action.decision]
                        if demo_action.decision is not None
                        else None
                    ),
                    visibility="joint",
                )
                if demo_action.done:
                    action_update(action=action, membership=chair, status=ActionStatus.DONE)
    slug, login = INTERNAL_ACTION.owner
    with acting_for(slug):
        action_create(
            relationship=relationship,
            membership=member(slug, login),
            title=INTERNAL_ACTION.title,
            due_date=today + datetime.timedelta(days=INTERNAL_ACTION.due_in_days),
            visibility="internal",
        )
    return len(PARTNERSHIP_MEETINGS)


def _score(base: int, person: int, indicator: int) -> int:
    """A spread of scores around ``base``: people differ, deterministically."""
    return max(1, min(5, base + ((person + indicator) % 3) - 1))


def ensure_surveys(
    relationship: Relationship,
    *,
    lead: str,
    acting_for: Callable,
    member: Callable[[str, str], Membership],
) -> int:
    """Run the two closed rounds: every answer goes through the anonymous path, then the
    rounds are dated as if they had run in spring and in autumn."""
    now = timezone.now()
    for demo in PARTNERSHIP_SURVEYS:
        with acting_for(lead):
            survey = survey_open(
                relationship=relationship,
                membership=member(lead, "manager"),
                title=demo.title,
                closes_at=now + datetime.timedelta(days=14),
            )
        indicators = list(TrustIndicator.values)
        for slug, count in demo.respondents.items():
            for person, login in enumerate(PEOPLE_ORDER[:count]):
                answers = {
                    key: (
                        _score(demo.base_scores.get(key, 3), person, position),
                        demo.comments[person % len(demo.comments)]
                        if position == 0 and person < len(demo.comments)
                        else "",
                    )
                    for position, key in enumerate(indicators)
                }
                with acting_for(slug):
                    survey_answer(survey=survey, membership=member(slug, login), answers=answers)
        with acting_for(lead):
            survey_close(survey=survey, membership=member(lead, "manager"))
        # unscoped(system): demo data, dated back to when the round ran
        SurveyRound.objects.unscoped().filter(pk=survey.pk).update(
            opened_at=now - datetime.timedelta(days=demo.opened_days_ago),
            closes_at=now - datetime.timedelta(days=demo.closed_days_ago),
        )
    return len(PARTNERSHIP_SURVEYS)
