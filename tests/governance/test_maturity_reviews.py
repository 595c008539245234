"""Maturity reviews: opened by the lead, answered independently by several people of each
party, sealed until every party has submitted (or the deadline passed), computed by a job into
a report with each party's median and spread, the joint score, the perception gap, the trend
and suggested actions; scheduled by beat in stage 7; an ecosystem's members see their own
figures and the aggregate only. Jobs run here in the test process."""

from __future__ import annotations

import datetime
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from cbrms.jobs.models import Job, JobState
from cbrms.jobs.services import job_execute
from cbrms.tenancy.context import acting_as
from governance.maturity import maturity_sweep, review_compute, review_open
from governance.models import MaturityAnswer, MaturityPrinciple, MaturityReview, ReviewStatus
from relationships.models import Relationship, RelationshipType, Role
from tests.conftest import api_client_for
from tests.factories import MembershipFactory, OrganizationFactory, make_relationship

pytestmark = pytest.mark.django_db

#: How the lead's and the partner's people see it: the lead is content, the partner is not on
#: trust and the exit strategy (a perception gap), both find risk management weak.
LEAD_SCORES = {"trust": (5, 4), "exit_strategy": (4, 4), "risk_management": (2, 2)}
PARTNER_SCORES = {"trust": (2, 1), "exit_strategy": (1, 2), "risk_management": (2, 3)}


def at_stage(relationship, stage):
    Relationship.objects.unscoped().filter(pk=relationship.pk).update(current_stage=stage)
    relationship.refresh_from_db()
    return relationship


def reviews_url(org, relationship, suffix="") -> str:
    return f"/api/v1/orgs/{org.slug}/relationships/{relationship.pk}/maturity-reviews/{suffix}"


def principle_keys() -> list[str]:
    return list(
        MaturityPrinciple.objects.filter(model__key="principles")
        .order_by("position")
        .values_list("key", flat=True)
    )


def answers(scores: dict[str, int], default: int = 3, comment: str = "") -> dict:
    return {
        "answers": [
            {"principle": key, "score": scores.get(key, default), "comment": comment}
            for key in principle_keys()
        ]
    }


def run_jobs() -> None:
    """What the worker does with every queued job."""
    for job in Job.objects.unscoped().filter(state=JobState.QUEUED):
        with acting_as(job.organization):
            job_execute(job_id=str(job.pk))


@pytest.fixture
def people(world):
    """Two respondents of each party, and each party's relationship manager."""
    at_stage(world.relationship, 5)
    return {
        "own": [MembershipFactory(organization=world.own, role=Role.CONTRIBUTOR) for _ in range(2)],
        "partner": [
            MembershipFactory(organization=world.partner, role=Role.CONTRIBUTOR) for _ in range(2)
        ],
    }


def open_review(world, **body):
    lead = api_client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    opened = lead.post(reviews_url(world.own, world.relationship), body, format="json")
    assert opened.status_code == 201, opened.content
    return opened.json()


def answer_all(world, people, review, *, lead=LEAD_SCORES, partner=PARTNER_SCORES):
    for position, scores in (("own", lead), ("partner", partner)):
        for index, person in enumerate(people[position]):
            given = {key: pair[index] for key, pair in scores.items()}
            response = api_client_for(person).post(
                reviews_url(world.org(position), world.relationship, f"{review['id']}/answer/"),
                answers(given, comment=f"{position} view {index}"),
                format="json",
            )
            assert response.status_code == 200, response.content


def submit(world, position, review):
    client = api_client_for(world.member(position, Role.RELATIONSHIP_MANAGER))
    return client.post(
        reviews_url(world.org(position), world.relationship, f"{review['id']}/submit/")
    )


def test_opening_is_the_lead_s_from_stage_5_one_at_a_time(world):
    at_stage(world.relationship, 4)
    lead = api_client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    early = lead.post(reviews_url(world.own, world.relationship), {}, format="json")
    assert (early.status_code, early.json()["code"]) == (409, "too_early")
    at_stage(world.relationship, 5)
    partner = api_client_for(world.member("partner", Role.RELATIONSHIP_MANAGER))
    refused = partner.post(reviews_url(world.partner, world.relationship), {}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "not_lead")
    contributor = api_client_for(world.member("own", Role.CONTRIBUTOR))
    assert contributor.post(reviews_url(world.own, world.relationship), {}).status_code == 403
    review = open_review(world)
    assert review["status"] == "open"
    assert review["model"]["key"] == "principles"
    again = lead.post(reviews_url(world.own, world.relationship), {}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "review_open")
    detail = partner.get(reviews_url(world.partner, world.relationship, f"{review['id']}/"))
    assert len(detail.json()["principles"]) == 12
    assert set(detail.json()["principles"][0]["levels"]) == {"1", "2", "3", "4", "5"}


def test_answers_stay_sealed_until_both_sides_submit_then_the_report_shows_the_gap(
    world, people, django_capture_on_commit_callbacks
):
    review = open_review(world)
    answer_all(world, people, review)
    # Each side reads only its own answers, whatever it asks.
    with acting_as(world.partner):
        assert set(MaturityAnswer.objects.values_list("organization_id", flat=True)) == {
            world.partner.pk
        }
    partner = api_client_for(world.member("partner", Role.RELATIONSHIP_MANAGER))
    early = partner.get(reviews_url(world.partner, world.relationship, f"{review['id']}/report/"))
    assert (early.status_code, early.json()["code"]) == (409, "review_not_completed")
    # Incomplete answers are refused, naming what is missing.
    person = people["own"][0]
    partial = api_client_for(person).post(
        reviews_url(world.own, world.relationship, f"{review['id']}/answer/"),
        {"answers": [{"principle": "trust", "score": 9}]},
        format="json",
    )
    assert partial.status_code == 400
    assert "answers.0.score" in partial.json()["fields"]

    assert submit(world, "own", review).status_code == 200
    assert MaturityReview.objects.unscoped().get(pk=review["id"]).status == ReviewStatus.OPEN
    late = api_client_for(people["own"][1]).post(
        reviews_url(world.own, world.relationship, f"{review['id']}/answer/"),
        answers({}),
        format="json",
    )
    assert (late.status_code, late.json()["code"]) == (409, "party_submitted")
    with django_capture_on_commit_callbacks(execute=False):
        assert submit(world, "partner", review).status_code == 200
    assert MaturityReview.objects.unscoped().get(pk=review["id"]).status == ReviewStatus.COMPUTING
    run_jobs()

    report = partner.get(
        reviews_url(world.partner, world.relationship, f"{review['id']}/report/")
    ).json()
    by_key = {p["key"]: p for p in report["principles"]}
    trust = by_key["trust"]
    own, other = str(world.own.pk), str(world.partner.pk)
    assert trust["parties"][own] == {
        "median": 4.5,
        "low": 4,
        "high": 5,
        "respondents": 2,
        "comments": ["own view 0", "own view 1"],
    }
    assert trust["parties"][other]["median"] == 1.5
    assert trust["joint"] == 3.0
    assert trust["gap"] == 3.0
    assert "trust" in report["widest_gaps"]
    assert "exit_strategy" in report["widest_gaps"]
    assert trust["actions"]  # a wide gap suggests what to do
    assert by_key["risk_management"]["joint"] == 2.25
    assert "risk_management" in report["weakest"]
    assert by_key["value_creation"]["actions"] == []  # 3 on both sides: nothing to suggest
    assert report["non_responders"] == []

    # The page draws the radar with the gaps marked, and the same figures.
    browser = Client()
    browser.force_login(world.member("partner", Role.VIEWER).user)
    page = browser.get(
        f"/o/{world.partner.slug}/relationships/{world.relationship.pk}/maturity/{review['id']}/"
    )
    assert page.status_code == 200
    assert "Gap of 3.0 on Trust and commitment to mutual benefit" in page.text
    assert 'class="maturity-radar"' in page.text


def test_the_deadline_unseals_what_was_answered_and_names_who_did_not_answer(world, people):
    review = open_review(
        world, closes_at=(timezone.now() + datetime.timedelta(hours=1)).isoformat()
    )
    for person in people["own"]:
        api_client_for(person).post(
            reviews_url(world.own, world.relationship, f"{review['id']}/answer/"),
            answers({}),
            format="json",
        )
    assert maturity_sweep(now=timezone.now()) == (0, 0)  # not yet
    unsealed, _ = maturity_sweep(now=timezone.now() + datetime.timedelta(hours=2))
    assert unsealed == 1
    assert maturity_sweep(now=timezone.now() + datetime.timedelta(hours=2))[0] == 0  # once
    run_jobs()
    completed = MaturityReview.objects.unscoped().get(pk=review["id"])
    assert completed.status == ReviewStatus.COMPLETED
    assert completed.report["non_responders"] == [world.partner.pk]
    assert completed.report["principles"][0]["gap"] is None  # one party: no gap to measure


def test_the_second_review_shows_the_trend(world, people):
    first = open_review(world)
    answer_all(world, people, first)
    submit(world, "own", first)
    submit(world, "partner", first)
    run_jobs()
    second = open_review(world)
    better = dict.fromkeys(LEAD_SCORES, (5, 5))
    answer_all(world, people, second, lead=better, partner=better)
    submit(world, "own", second)
    submit(world, "partner", second)
    run_jobs()
    report = MaturityReview.objects.unscoped().get(pk=second["id"]).report
    trust = next(p for p in report["principles"] if p["key"] == "trust")
    assert [p["joint"] for p in trust["previous"]] == [3.0]
    assert trust["trend"] == 2.0


def test_beat_opens_a_review_every_quarter_in_stage_7(world):
    at_stage(world.relationship, 7)
    assert maturity_sweep() == (0, 1)
    scheduled = MaturityReview.objects.unscoped().get(relationship=world.relationship)
    assert scheduled.scheduled
    assert scheduled.organization == world.own
    assert maturity_sweep() == (0, 0)  # one is open
    MaturityReview.objects.unscoped().filter(pk=scheduled.pk).update(
        status=ReviewStatus.COMPLETED,
        report={"principles": []},
        opened_at=timezone.now() - datetime.timedelta(days=40),
    )
    assert maturity_sweep() == (0, 0)  # reviewed 40 days ago: not due
    MaturityReview.objects.unscoped().filter(pk=scheduled.pk).update(
        opened_at=timezone.now() - datetime.timedelta(days=100)
    )
    assert maturity_sweep() == (0, 1)


def ecosystem_with(members: int):
    orchestrator = OrganizationFactory()
    others = [OrganizationFactory() for _ in range(members)]
    relationship = make_relationship(
        lead=orchestrator,
        partners=tuple(others),
        type=RelationshipType.ECOSYSTEM,
        name=f"Ecosystem of {members}",
    )
    at_stage(relationship, 5)
    with acting_as(orchestrator):
        review = review_open(
            relationship=relationship,
            membership=MembershipFactory(organization=orchestrator, role=Role.ADMIN),
        )
    keys = list(
        MaturityPrinciple.objects.filter(model_id=review.maturity_model_id).values_list(
            "key", flat=True
        )
    )
    rows = []
    for index, member in enumerate(others[:-1]):  # the last member does not answer
        person = MembershipFactory(organization=member, role=Role.CONTRIBUTOR)
        score = 1 if index == 0 else 4  # the first member is an outlier everywhere
        rows += [
            MaturityAnswer(
                review=review, organization=member, respondent=person, principle=key, score=score
            )
            for key in keys
        ]
    MaturityAnswer.objects.unscoped().bulk_create(rows)  # unscoped(create): the fixture
    return orchestrator, others, relationship, review


def test_an_ecosystem_review_is_computed_in_the_same_queries_whatever_its_size():
    def queries(members: int) -> int:
        _, _, _, review = ecosystem_with(members)
        with CaptureQueriesContext(connection) as captured:
            review_compute(MaturityReview.objects.unscoped().get(pk=review.pk))
        return len(captured)

    assert queries(5) == queries(40) <= 20


def test_an_ecosystem_member_sees_its_own_figures_and_the_aggregate_only(world):
    orchestrator, members, relationship, review = ecosystem_with(6)
    MaturityReview.objects.unscoped().filter(pk=review.pk).update(status=ReviewStatus.COMPUTING)
    with acting_as(orchestrator):
        report = review_compute(MaturityReview.objects.get(pk=review.pk))
    MaturityReview.objects.unscoped().filter(pk=review.pk).update(
        status=ReviewStatus.COMPLETED, report=report
    )
    first = report["principles"][0]
    assert first["distribution"] == [1, 0, 0, 4, 0]
    assert first["joint"] == 4.0
    assert [o["organization"] for o in first["outliers"]] == [members[0].pk]
    assert report["non_responders"] == [orchestrator.pk, members[-1].pk]  # it did not answer

    member = MembershipFactory(organization=members[1], role=Role.ADMIN)
    seen = (
        api_client_for(member)
        .get(
            f"/api/v1/orgs/{members[1].slug}/relationships/{relationship.pk}/maturity-reviews/"
            f"{review.pk}/report/"
        )
        .json()
    )
    for principle in seen["principles"]:
        assert set(principle["parties"]) == {str(members[1].pk)}
        assert "outliers" not in principle
    assert seen["non_responders"] == []
    assert [p["organization"] for p in seen["parties"]] == [members[1].pk]
    lead = MembershipFactory(organization=orchestrator, role=Role.ADMIN)
    full = (
        api_client_for(lead)
        .get(
            f"/api/v1/orgs/{orchestrator.slug}/relationships/{relationship.pk}/maturity-reviews/"
            f"{review.pk}/report/"
        )
        .json()
    )
    assert full["non_responders"] == [orchestrator.pk, members[-1].pk]
    assert full["principles"][0]["outliers"]


def test_the_report_as_a_pdf_has_the_same_figures(
    world, people, django_capture_on_commit_callbacks
):
    review = open_review(world)
    answer_all(world, people, review)
    submit(world, "own", review)
    submit(world, "partner", review)
    run_jobs()
    lead = api_client_for(world.member("own", Role.VIEWER))
    with django_capture_on_commit_callbacks():
        job = lead.post(reviews_url(world.own, world.relationship, f"{review['id']}/pdf/")).json()
    run_jobs()
    done = lead.get(job["url"]).json()
    assert done["state"] == "succeeded", done
    pdf = b"".join(lead.get(done["result"]["download"]).streaming_content)
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "MATURITY REVIEW REPORT" in text  # the cover, in capitals
    assert "Trust and commitment to mutual benefit" in text
    assert "Suggested actions" in text
