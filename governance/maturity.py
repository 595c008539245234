"""Maturity reviews: opening one, answering and submitting a party's side, unsealing it, the
job that computes the report, and the report as each party may read it.

The rules in one place: a review is joint, opened by the lead from stage 5 (or by Celery beat
every ``CBRMS_MATURITY_REVIEW_MONTHS`` months in stage 7), one open at a time. Each person of an
active party answers every principle once (changing their answers while their party has not
submitted); a party's relationship manager or admin submits its side. Nobody reads another
party's answers, ever (their scope); when every active party has submitted, or the deadline
passed, a job reads them all once and computes the report (ADR-26).
"""

from __future__ import annotations

import datetime
import json
import statistics
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from cbrms.errors import Conflict, PermissionRefused, ValidationFailed
from cbrms.jobs.models import Job
from cbrms.jobs.registry import JobKind, register_job_kind
from cbrms.jobs.runs import JobOutput, JobRun
from cbrms.jobs.services import job_request
from cbrms.tenancy.context import acting_as
from governance import webhooks
from governance.maturity_catalogs import current_model
from governance.models import (
    MaturityAnswer,
    MaturityPrinciple,
    MaturityReview,
    MaturitySubmission,
    ReviewStatus,
)
from lifecycle.models import Stage
from lifecycle.services.approvers import active_party
from relationships.models import (
    Membership,
    Party,
    PartyStatus,
    Relationship,
    RelationshipStatus,
    Role,
)
from relationships.services.relationships import relationship_ensure_open, require_lead

COMPUTE_JOB = "maturity_review"
#: How long a review stays open when its opener does not say.
DEFAULT_OPEN_DAYS = 14
#: A principle is weak below this joint score, and the parties disagree from this gap on.
WEAK_BELOW = 3.0
WIDE_GAP = 1.5
#: An ecosystem member is an outlier on a principle this far from the ecosystem's median.
OUTLIER_DISTANCE = 2.0
#: Earlier reviews a report compares with.
TREND_REVIEWS = 5


# --- opening ----------------------------------------------------------------------------------


def review_open(
    *,
    relationship: Relationship,
    membership: Membership | None,
    title: str = "",
    closes_at: datetime.datetime | None = None,
    scheduled: bool = False,
) -> MaturityReview:
    """Open a review of ``relationship`` for every active party (the lead opens it)."""
    relationship_ensure_open(relationship)
    if membership is not None:
        require_lead(
            relationship=relationship,
            organization=membership.organization,
            action="open a maturity review",
        )
    if relationship.current_stage < Stage.WORKING_TOGETHER:
        raise Conflict(
            "Maturity reviews rate the joint relationship: they start in stage 5, Working "
            "together.",
            code="too_early",
        )
    now = timezone.now()
    closes_at = closes_at or now + datetime.timedelta(days=DEFAULT_OPEN_DAYS)
    if closes_at <= now:
        raise ValidationFailed(
            "The deadline must be in the future.",
            fields={"closes_at": ["Give a date and time to come."]},
        )
    model = current_model("ecosystem" if relationship.is_ecosystem else "principles")
    title = title.strip() or f"Maturity review, {now:%B %Y}"
    try:
        with transaction.atomic():
            return MaturityReview.objects.create(
                relationship=relationship,
                organization=relationship.lead_organization,
                maturity_model=model,
                title=title[:200],
                closes_at=closes_at,
                scheduled=scheduled,
                opened_by=membership,
            )
    except IntegrityError:
        raise Conflict(
            "A maturity review of this relationship is open already: finish it first.",
            code="review_open",
        ) from None


# --- answering and submitting -----------------------------------------------------------------


def _principles(review: MaturityReview) -> dict[str, MaturityPrinciple]:
    return {
        p.key: p
        for p in MaturityPrinciple.objects.filter(model_id=review.maturity_model_id).order_by(
            "position"
        )
    }


def _party_of(review: MaturityReview, membership: Membership) -> Party:
    party = active_party(review.relationship, membership.organization_id)
    if party is None:
        raise PermissionRefused("Only the people of an active party take part in the review.")
    return party


def _ensure_open(review: MaturityReview) -> None:
    if not review.is_open:
        raise Conflict("This review is closed to answers.", code="review_closed")


def _submitted(review: MaturityReview, organization_id: int) -> bool:
    return (
        # unscoped(by-id): whether the party of the acting member has submitted its side
        MaturitySubmission.objects.unscoped()
        .filter(review=review, organization_id=organization_id)
        .exists()
    )


@transaction.atomic
def review_answer(
    *, review: MaturityReview, membership: Membership, answers: list[dict]
) -> list[MaturityAnswer]:
    """The member's score (1-5) and comment for every principle of the review's model; a new
    answer replaces the member's earlier one while their party has not submitted."""
    review = MaturityReview.objects.select_for_update().get(pk=review.pk)
    _ensure_open(review)
    _party_of(review, membership)
    if _submitted(review, membership.organization_id):
        raise Conflict(
            "Your organization has submitted its answers: they can no longer change.",
            code="party_submitted",
        )
    principles = _principles(review)
    given: dict[str, dict] = {}
    errors: dict[str, list[str]] = {}
    for index, answer in enumerate(answers):
        key = answer.get("principle")
        if key not in principles:
            errors[f"answers.{index}.principle"] = ["Not a principle of this review."]
        elif key in given:
            errors[f"answers.{index}.principle"] = ["Answered twice."]
        else:
            given[key] = answer
    missing = [key for key in principles if key not in given]
    if missing:
        errors["answers"] = [f"Every principle needs a score; missing: {', '.join(missing)}."]
    if errors:
        raise ValidationFailed("Some answers are missing or not understood.", fields=errors)
    # unscoped(by-id): the member's own earlier answers, replaced
    MaturityAnswer.objects.unscoped().filter(review=review, respondent=membership).delete()
    return MaturityAnswer.objects.bulk_create(
        MaturityAnswer(
            review=review,
            organization=membership.organization,
            respondent=membership,
            principle=key,
            score=given[key]["score"],
            comment=(given[key].get("comment") or "").strip(),
        )
        for key in principles
    )


def review_submit_check(*, review: MaturityReview, membership: Membership) -> int:
    """Whether the member may submit their party's side now; returns its respondents."""
    _ensure_open(review)
    _party_of(review, membership)
    if membership.role not in (Role.ADMIN, Role.RELATIONSHIP_MANAGER):
        raise PermissionRefused(
            "A relationship manager or an administrator submits the organization's answers.",
            code="cannot_submit",
        )
    if _submitted(review, membership.organization_id):
        raise Conflict("Your organization has submitted already.", code="party_submitted")
    respondents = (
        # unscoped(by-id): how many of the member's own organization answered
        MaturityAnswer.objects.unscoped()
        .filter(review=review, organization_id=membership.organization_id)
        .values("respondent_id")
        .distinct()
        .count()
    )
    if respondents == 0:
        raise Conflict(
            "Nobody of your organization has answered yet: answer first.", code="no_answers"
        )
    return respondents


@transaction.atomic
def review_submit(*, review: MaturityReview, membership: Membership) -> MaturitySubmission:
    """Submit the party's side: its answers become final. The last party to submit unseals
    the review, which is then computed by a job."""
    review = MaturityReview.objects.select_for_update().get(pk=review.pk)
    respondents = review_submit_check(review=review, membership=membership)
    submission = MaturitySubmission.objects.create(
        review=review,
        organization=membership.organization,
        submitted_by=membership,
        respondents=respondents,
    )
    parties = set(
        # unscoped(by-id): the review's active parties, to know whether all have submitted
        Party.objects.unscoped()
        .filter(relationship_id=review.relationship_id, status=PartyStatus.ACTIVE)
        .values_list("organization_id", flat=True)
    )
    done = set(
        # unscoped(by-id): which parties have submitted (counts, never their answers)
        MaturitySubmission.objects.unscoped()
        .filter(review=review)
        .values_list("organization_id", flat=True)
    )
    if parties <= done:
        review_unseal(review=review)
    return submission


def review_unseal(*, review: MaturityReview) -> Job:
    """Close the review to answers and queue the job that computes its report."""
    # unscoped(by-id): the review being unsealed, changed whoever acts (its last party, beat)
    MaturityReview.objects.unscoped().filter(pk=review.pk, status=ReviewStatus.OPEN).update(
        status=ReviewStatus.COMPUTING, unsealed_at=timezone.now()
    )
    return job_request(
        organization=review.organization,
        user=None,
        kind=COMPUTE_JOB,
        title=f"{review.title}: the report",
        params={"review": review.pk},
    )


# --- computing --------------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    return round(float(statistics.median(values)), 2)


def review_compute(review: MaturityReview) -> dict:
    """The report of an unsealed review, from every party's answers (one query for them all,
    however many parties: an ecosystem of a thousand members included)."""
    principles = list(_principles(review).values())
    rows = (
        # unscoped(system): the computation reads every party's sealed answers, once unsealed
        MaturityAnswer.objects.unscoped()
        .filter(review=review)
        .values_list("organization_id", "respondent_id", "principle", "score", "comment")
    )
    scores: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    comments: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    respondents: dict[int, set[int]] = defaultdict(set)
    for organization_id, respondent_id, key, score, comment in rows.iterator(chunk_size=5000):
        scores[key][organization_id].append(score)
        respondents[organization_id].add(respondent_id)
        if comment:
            comments[key][organization_id].append(comment)
    parties = list(
        # unscoped(by-id): the review's active parties and their names, for the report
        Party.objects.unscoped()
        .filter(relationship_id=review.relationship_id, status=PartyStatus.ACTIVE)
        .select_related("organization")
        .order_by("id")
    )
    submitted = set(
        # unscoped(by-id): which parties submitted
        MaturitySubmission.objects.unscoped()
        .filter(review=review)
        .values_list("organization_id", flat=True)
    )
    earlier = list(
        # unscoped(by-id): the relationship's earlier completed reviews, for the trend
        MaturityReview.objects.unscoped()
        .filter(
            relationship_id=review.relationship_id,
            status=ReviewStatus.COMPLETED,
            opened_at__lt=review.opened_at,
        )
        .order_by("-opened_at")
        .values("pk", "title", "opened_at", "report")[:TREND_REVIEWS]
    )[::-1]
    ecosystem = review.relationship.is_ecosystem
    report_principles = []
    for principle in principles:
        by_party = {}
        for organization_id, values in scores[principle.key].items():
            by_party[str(organization_id)] = {
                "median": _median(values),
                "low": min(values),
                "high": max(values),
                "respondents": len(values),
                "comments": comments[principle.key][organization_id],
            }
        medians = [p["median"] for p in by_party.values()]
        joint = None
        if medians:
            joint = _median(medians) if ecosystem else round(statistics.fmean(medians), 2)
        gap = round(max(medians) - min(medians), 2) if len(medians) > 1 else None
        previous = [
            {
                "review": e["pk"],
                "title": e["title"],
                "opened_at": e["opened_at"].isoformat(),
                "joint": _joint_of(e["report"], principle.key),
            }
            for e in earlier
        ]
        last = next((p["joint"] for p in reversed(previous) if p["joint"] is not None), None)
        entry = {
            "key": principle.key,
            "title": principle.title,
            "parties": by_party,
            "joint": joint,
            "gap": gap,
            "previous": previous,
            "trend": None if joint is None or last is None else round(joint - last, 2),
            "actions": [],
        }
        weak = joint is not None and joint < WEAK_BELOW
        wide = gap is not None and gap >= WIDE_GAP
        if weak or wide:
            entry["actions"] = principle.actions
        if ecosystem:
            entry["distribution"] = [
                sum(1 for m in medians if round(m) == level) for level in range(1, 6)
            ]
            entry["outliers"] = [
                {"organization": int(org), "median": p["median"]}
                for org, p in by_party.items()
                if joint is not None and abs(p["median"] - joint) >= OUTLIER_DISTANCE
            ]
        report_principles.append(entry)
    scored = [p for p in report_principles if p["joint"] is not None]
    return {
        "review": review.pk,
        "model": {
            "key": review.maturity_model.key,
            "version": review.maturity_model.version,
            "title": review.maturity_model.title,
            "levels": review.maturity_model.levels,
        },
        "ecosystem": ecosystem,
        "computed_at": timezone.now().isoformat(),
        "parties": [
            {
                "organization": party.organization_id,
                "name": party.organization.name,
                "lead": party.is_lead,
                "respondents": len(respondents.get(party.organization_id, ())),
                "submitted": party.organization_id in submitted,
            }
            for party in parties
        ],
        "principles": report_principles,
        # Up to three, and only below the "established" level: ties at 3 are not weaknesses.
        "weakest": [
            p["key"]
            for p in sorted(scored, key=lambda p: p["joint"])[:3]
            if p["joint"] < WEAK_BELOW
        ],
        "widest_gaps": [
            p["key"]
            for p in sorted(scored, key=lambda p: -(p["gap"] or 0))
            if (p["gap"] or 0) >= WIDE_GAP
        ],
        "non_responders": [
            party.organization_id for party in parties if party.organization_id not in respondents
        ],
    }


def _joint_of(report: dict | None, key: str) -> float | None:
    for principle in (report or {}).get("principles", []):
        if principle["key"] == key:
            return principle["joint"]
    return None


def _run(run: JobRun) -> JobOutput:
    review = MaturityReview.objects.select_related("relationship", "maturity_model").get(
        pk=run.params["review"]
    )
    run.progress(10)
    report = review_compute(review)
    run.progress(80)
    output = run.output(
        path=f"jobs/{run.job.pk}/maturity-review-{review.pk}.json",
        name=f"maturity-review-{review.pk}.json",
        content_type="application/json",
        content=json.dumps(report, indent=2).encode(),
    )
    with transaction.atomic():
        completed_at = timezone.now()
        completed = (
            MaturityReview.objects.unscoped()  # unscoped(by-id): this job's review, completed once
            .filter(pk=review.pk)
            .exclude(status=ReviewStatus.COMPLETED)
            .update(status=ReviewStatus.COMPLETED, report=report, completed_at=completed_at)
        )
        if completed:
            webhooks.review_completed_emit(review, completed_at=completed_at)
    return output


def _still_visible(job: Job) -> bool:
    return MaturityReview.objects.filter(pk=job.params.get("review")).exists()


register_job_kind(
    JobKind(name=COMPUTE_JOB, label="Maturity review", run=_run, still_visible=_still_visible)
)


# --- reading the report -----------------------------------------------------------------------


def report_for(review: MaturityReview, organization) -> dict | None:
    """The report as ``organization`` may read it. In a bilateral relationship, everything.
    In an ecosystem, a member reads its own scores and the aggregate; the orchestrator also
    reads the distribution's outliers and who did not answer, never a member's comments."""
    report = review.report
    if report is None:
        return None
    if not report["ecosystem"]:
        return report
    own = str(organization.pk)
    orchestrator = organization.pk == review.organization_id
    shown = {**report, "principles": []}
    for principle in report["principles"]:
        entry = {**principle, "parties": {}}
        if own in principle["parties"]:
            entry["parties"][own] = principle["parties"][own]
        if not orchestrator:
            entry.pop("outliers", None)
        shown["principles"].append(entry)
    shown["parties"] = [
        p for p in report["parties"] if orchestrator or p["organization"] == organization.pk
    ]
    shown["member_count"] = len(report["parties"])
    if not orchestrator:
        shown["non_responders"] = [o for o in report["non_responders"] if o == organization.pk]
        shown["widest_gaps"] = []
    return shown


# --- Celery beat ------------------------------------------------------------------------------


def maturity_sweep(now: datetime.datetime | None = None) -> tuple[int, int]:
    """Unseal the reviews whose deadline passed, and open the scheduled ones: every
    relationship in stage 7 whose last review is older than the cadence. Returns (unsealed,
    opened). Runs as nobody: a system job over every organization (each change is claimed
    by a conditional update or a unique constraint, so two sweeps at once act once)."""
    now = now or timezone.now()
    unsealed = 0
    # unscoped(system): the beat job looks at every organization's open reviews
    due = MaturityReview.objects.unscoped().filter(status=ReviewStatus.OPEN, closes_at__lte=now)
    for review in due.select_related("organization"):
        with transaction.atomic():
            claimed = (
                MaturityReview.objects.unscoped()  # unscoped(system): claimed by this sweep
                .filter(pk=review.pk, status=ReviewStatus.OPEN)
                .update(status=ReviewStatus.COMPUTING, unsealed_at=now)
            )
            if claimed:
                with acting_as(review.organization):
                    job_request(
                        organization=review.organization,
                        user=None,
                        kind=COMPUTE_JOB,
                        title=f"{review.title}: the report",
                        params={"review": review.pk},
                    )
                unsealed += 1
    months = settings.CBRMS_MATURITY_REVIEW_MONTHS
    opened = 0
    if months:
        cutoff = now - relativedelta(months=months)
        latest = (
            # unscoped(system): when each relationship was last reviewed
            MaturityReview.objects.unscoped()
            .filter(relationship=OuterRef("pk"))
            .order_by("-opened_at")
            .values("opened_at")[:1]
        )
        candidates = (
            # unscoped(system): the relationships whose schedule says a review is due
            Relationship.objects.unscoped()
            .filter(
                current_stage=Stage.STAYING_TOGETHER,
                status=RelationshipStatus.ACTIVE,
                archived_at__isnull=True,
            )
            .annotate(last_review=Subquery(latest))
            .filter(Q(last_review__isnull=True) | Q(last_review__lte=cutoff))
        )
        for relationship in candidates.select_related("lead_organization"):
            try:
                with acting_as(relationship.lead_organization):
                    review_open(relationship=relationship, membership=None, scheduled=True)
                opened += 1
            except Conflict:
                pass  # one is open already (another sweep, or the lead just opened one)
    return unsealed, opened


def report_context(review: MaturityReview, report: dict, organization) -> dict:
    """What the report page and the PDF show: the report, its parties in order, and one row
    per principle with each shown party's figures in that order."""
    keys = {key for p in report["principles"] for key in p["parties"]}
    parties = [p for p in report["parties"] if str(p["organization"]) in keys]
    titles = {p["key"]: p["title"] for p in report["principles"]}
    rows = []
    for number, principle in enumerate(report["principles"], start=1):
        rows.append(
            {
                "number": number,
                "principle": principle,
                "cells": [principle["parties"].get(str(p["organization"])) for p in parties],
                "wide_gap": (principle.get("gap") or 0) >= WIDE_GAP,
                "weak": principle["joint"] is not None and principle["joint"] < WEAK_BELOW,
            }
        )
    comments = [
        (row["principle"]["title"], party["name"], cell["comments"])
        for row in rows
        for party, cell in zip(parties, row["cells"], strict=True)
        if cell and cell["comments"]
    ]
    return {
        "review": review,
        "report": report,
        "parties": parties,
        "rows": rows,
        "actions": [row for row in rows if row["principle"]["actions"]],
        "comments": comments,
        "weakest": [titles[key] for key in report["weakest"]],
        "widest_gaps": [titles[key] for key in report["widest_gaps"]],
        "is_orchestrator": organization.pk == review.organization_id,
        "levels": report["model"]["levels"],
    }
