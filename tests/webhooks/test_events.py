"""Each event is written by the change it reports, for the organizations that see its record:
an internal record's event never reaches the partner's endpoints."""

from __future__ import annotations

import pytest

from cbrms.tenancy.context import acting_as
from governance.services.issues import escalation_sweep, issue_escalate, issue_raise
from governance.services.risks import risk_create, risk_update
from relationships.models import Role, WebhookMessage
from relationships.services.webhooks import endpoint_create
from relationships.webhook_events import webhook_event_types
from tests.governance.test_issues import overdue
from tests.governance.test_maturity_reviews import (
    answer_all,
    open_review,
    people,  # noqa: F401 - the fixture
    run_jobs,
    submit,
)
from tests.jobs.conftest import issue_joint_rmp
from tests.lifecycle.helpers import approve, request_gate, side_of
from tests.lifecycle.staging import put_at_stage, settle

pytestmark = pytest.mark.django_db

EVERY_EVENT = [t.name for t in webhook_event_types()]


@pytest.fixture
def endpoints(world, local_targets):
    """An endpoint of each organization of the world, hearing every event, threshold 15."""
    made = {}
    for position in ("own", "partner", "stranger"):
        admin = world.member(position, Role.ADMIN)
        with acting_as(world.org(position)):
            made[position] = endpoint_create(
                membership=admin, url="http://127.0.0.1:9/hook", events=EVERY_EVENT
            ).endpoint
    return made


@pytest.fixture
def workspace(world):
    """The relationship in stage 5, where its joint workspace is open."""
    return put_at_stage(world.relationship, 5)


def heard(endpoints, event_type: str) -> dict[str, list[dict]]:
    """Per position, the ``data`` of the messages of ``event_type`` its endpoint got."""
    return {
        position: [
            m.payload["data"]
            for m in WebhookMessage.objects.unscoped()
            .filter(endpoint=endpoint, event_type=event_type)
            .order_by("created_at")
        ]
        for position, endpoint in endpoints.items()
    }


def test_an_internal_gate_is_heard_by_its_owner_only(world, endpoints):
    lead = side_of(world.own, world.relationship)
    settle(world.relationship, 1)
    assert request_gate(lead, world.relationship).status_code == 201
    got = heard(endpoints, "gate.requested")
    assert [d["from_stage"] for d in got["own"]] == [1]
    assert got["own"][0]["visibility"] == "internal"
    assert got["partner"] == []
    assert got["stranger"] == []


def test_a_joint_gate_is_heard_by_both_parties_when_requested_and_decided(world, endpoints):
    lead = side_of(world.own, world.relationship)
    partner = side_of(world.partner, world.relationship)
    put_at_stage(world.relationship, 5)
    settle(world.relationship, 5)
    gate = request_gate(lead, world.relationship)
    assert gate.status_code == 201, gate.content
    requested = heard(endpoints, "gate.requested")
    assert len(requested["own"]) == len(requested["partner"]) == 1
    assert requested["stranger"] == []

    for side in (lead, partner):
        assert approve(side, world.relationship, gate.json()["id"]).status_code == 200
    decided = heard(endpoints, "gate.decided")
    assert decided["own"] == decided["partner"]  # one event, the same data for both
    (data,) = decided["own"]
    assert (data["outcome"], data["from_stage"], data["to_stage"]) == ("passed", 5, 6)
    assert data["relationship"] == {"id": world.relationship.pk, "name": world.relationship.name}
    assert decided["stranger"] == []


def test_an_issued_joint_document_is_heard_by_both_parties(world, endpoints):
    lead = side_of(world.own, world.relationship)
    partner = side_of(world.partner, world.relationship)
    version = issue_joint_rmp(world, lead, partner)
    got = heard(endpoints, "document.issued")
    for position in ("own", "partner"):
        (data,) = got[position]
        assert (data["kind"], data["version"]) == ("joint_rmp", 1)
        assert data["content_hash"] == version.content_hash
    assert got["stranger"] == []


def test_a_risk_is_heard_when_its_score_reaches_the_threshold_from_below(
    world, workspace, endpoints
):
    manager = world.member("own", Role.RELATIONSHIP_MANAGER)
    with acting_as(world.own, user=manager.user, membership=manager):
        risk = risk_create(
            relationship=workspace,
            membership=manager,
            title="Key supplier insolvency",
            likelihood=3,
            impact=4,
            visibility="joint",
        )
        assert heard(endpoints, "risk.threshold_crossed")["own"] == []  # 12 < 15
        risk = risk_update(risk=risk, membership=manager, likelihood=4)  # 16
        risk = risk_update(risk=risk, membership=manager, impact=5)  # 20: above already
        risk_create(
            relationship=workspace,
            membership=manager,
            title="Our own margin",
            likelihood=5,
            impact=5,
            visibility="internal",
        )
    got = heard(endpoints, "risk.threshold_crossed")
    assert [(d["title"], d["previous_score"], d["score"]) for d in got["own"]] == [
        ("Key supplier insolvency", 12, 16),
        ("Our own margin", 0, 25),
    ]
    assert [d["title"] for d in got["partner"]] == ["Key supplier insolvency"]
    assert got["stranger"] == []


def test_each_endpoint_has_its_own_threshold(world, workspace, endpoints):
    endpoints["partner"].risk_score_threshold = 20
    endpoints["partner"].save(update_fields=["risk_score_threshold"])
    manager = world.member("own", Role.RELATIONSHIP_MANAGER)
    with acting_as(world.own, user=manager.user, membership=manager):
        risk = risk_create(
            relationship=workspace,
            membership=manager,
            title="Shared risk",
            likelihood=4,
            impact=4,
            visibility="joint",
        )
        risk_update(risk=risk, membership=manager, impact=5)
    got = heard(endpoints, "risk.threshold_crossed")
    assert [d["score"] for d in got["own"]] == [16]
    assert [d["score"] for d in got["partner"]] == [20]


def test_an_escalated_issue_is_heard_by_hand_and_by_the_schedule(world, workspace, endpoints):
    manager = world.member("own", Role.RELATIONSHIP_MANAGER)
    with acting_as(world.own, user=manager.user, membership=manager):
        joint = issue_raise(
            relationship=workspace,
            membership=manager,
            title="Late deliveries",
            visibility="joint",
        )
        internal = issue_raise(
            relationship=workspace,
            membership=manager,
            title="Our staffing",
            visibility="internal",
        )
        issue_escalate(issue=joint, membership=manager, reason="No answer for a week.")
    overdue(internal)
    assert escalation_sweep() == 1
    got = heard(endpoints, "issue.escalated")
    assert [(d["title"], d["by"]) for d in got["own"]] == [
        ("Late deliveries", "person"),
        ("Our staffing", "schedule"),
    ]
    assert [(d["title"], d["level"]["position"]) for d in got["partner"]] == [
        ("Late deliveries", 2)
    ]
    assert got["stranger"] == []


def test_a_completed_review_is_heard_by_every_party(world, people, endpoints):  # noqa: F811
    review = open_review(world)
    answer_all(world, people, review)
    for position in ("own", "partner"):
        assert submit(world, position, review).status_code == 200
    run_jobs()
    got = heard(endpoints, "maturity_review.completed")
    assert [d["review"] for d in got["own"]] == [review["id"]]
    assert got["partner"] == got["own"]
    assert got["stranger"] == []
