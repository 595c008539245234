"""Issues climb the relationship's escalation ladder: by hand with a reason, or by the sweep once
their level's time runs out (once, however many sweeps run), and the next level hears of it."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cbrms.celery import app as celery_app
from cbrms.tenancy.context import acting_as
from governance.models import EscalationLevel, Issue, IssueStep
from governance.services.issues import escalation_sweep, issue_raise, ladder_read
from relationships.models import Party, Role
from tests.api_cases import ResourceCases
from tests.conftest import api_client_for
from tests.factories import MembershipFactory
from tests.governance.test_risks_api import at_stage_5

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _eager_mail(settings):
    settings.CBRMS_BASE_URL = "https://cbrms.example.org"
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


def raise_issue(world, position="own", visibility="internal", title="Late invoices") -> Issue:
    member = world.member(position, Role.RELATIONSHIP_MANAGER)
    with acting_as(member.organization, user=member.user, membership=member):
        return issue_raise(
            relationship=world.relationship, membership=member, title=title, visibility=visibility
        )


def url(world, position="own", suffix="") -> str:
    slug = getattr(world, position).slug
    return f"/api/v1/orgs/{slug}/relationships/{world.relationship.pk}/issues/{suffix}"


def rung(issue: Issue, position: int) -> EscalationLevel:
    return EscalationLevel.objects.unscoped().get(
        relationship_id=issue.relationship_id, position=position
    )


def overdue(issue: Issue) -> None:
    Issue.objects.unscoped().filter(pk=issue.pk).update(
        level_due_at=timezone.now() - timedelta(minutes=1)
    )


class TestIssueResource(ResourceCases):
    path = "relationships/{relationship}/issues/"
    write_roles = frozenset({Role.ADMIN, Role.RELATIONSHIP_MANAGER, Role.CONTRIBUTOR})
    operations = frozenset({"list", "retrieve", "create", "update"})

    def make_object(self, world):
        return raise_issue(world)

    def create_payload(self, world):
        return {"title": "Pallets missing", "visibility": "internal"}

    def update_payload(self, world, obj):
        return {"description": "Counted twice a week."}


def test_by_hand_up_and_down_with_reasons_then_resolved(world, django_capture_on_commit_callbacks):
    at_stage_5(world)
    MembershipFactory(organization=world.partner, role=Role.RELATIONSHIP_MANAGER)
    client = api_client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    raised = client.post(url(world), {"title": "Invoices disputed", "visibility": "joint"})
    assert raised.status_code == 201, raised.content
    issue = raised.json()
    assert issue["level"]["position"] == 1
    assert issue["level"]["name"] == "Working team"
    mail.outbox.clear()

    unexplained = client.post(url(world, suffix=f"{issue['id']}/escalate/"), {})
    assert unexplained.status_code == 400
    assert "reason" in unexplained.json()["fields"]
    with django_capture_on_commit_callbacks(execute=True):
        up = client.post(
            url(world, suffix=f"{issue['id']}/escalate/"), {"reason": "No answer for a week."}
        )
    assert up.json()["level"]["name"] == "Joint management team"
    # The joint management team of both parties hears of it: their relationship managers.
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted(
        m.user.email
        for m in MembershipFactory._meta.model.objects.unscoped().filter(
            organization__in=[world.own, world.partner], role=Role.RELATIONSHIP_MANAGER
        )
    )
    assert "Joint management team" in mail.outbox[0].subject

    partner = api_client_for(world.member("partner", Role.CONTRIBUTOR))
    down = partner.post(
        url(world, "partner", f"{issue['id']}/deescalate/"), {"reason": "Teams meet Monday."}
    )
    assert down.json()["level"]["position"] == 1
    floor = partner.post(url(world, "partner", f"{issue['id']}/deescalate/"), {"reason": "x"})
    assert (floor.status_code, floor.json()["code"]) == (409, "at_bottom")
    resolved = client.post(
        url(world, suffix=f"{issue['id']}/resolve/"), {"resolution": "Credit note issued."}
    ).json()
    assert resolved["status"] == "resolved"
    assert [s["kind"] for s in resolved["steps"]] == [
        "raised",
        "escalated",
        "deescalated",
        "resolved",
    ]
    assert resolved["steps"][2]["reason"] == "Teams meet Monday."
    again = client.post(url(world, suffix=f"{issue['id']}/escalate/"), {"reason": "x"})
    assert (again.status_code, again.json()["code"]) == (409, "issue_resolved")


def test_the_sweep_escalates_an_overdue_issue_once_and_tells_the_next_level(
    world, django_capture_on_commit_callbacks
):
    issue = raise_issue(world)
    assert escalation_sweep() == 0  # not due yet
    overdue(issue)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert escalation_sweep() == 1
    assert escalation_sweep() == 0  # its new level has time
    issue.refresh_from_db()
    assert issue.level.position == 2
    assert issue.level_due_at > timezone.now() + timedelta(hours=119)
    step = IssueStep.objects.unscoped().filter(issue=issue).latest("id")
    assert (step.kind, step.by, step.from_level.position) == ("escalated", None, 1)
    assert "the time ran out" in step.reason
    # An internal issue: only its own organization's relationship managers hear of it.
    assert {m.to[0] for m in mail.outbox} == {
        world.member("own", Role.RELATIONSHIP_MANAGER).user.email
    }


def test_the_top_of_the_ladder_and_resolved_issues_stay_where_they_are(world):
    top, resolved = raise_issue(world, title="Top"), raise_issue(world, title="Done")
    Issue.objects.unscoped().filter(pk=top.pk).update(level=rung(top, 3))
    Issue.objects.unscoped().filter(pk=resolved.pk).update(
        status="resolved", resolved_at=timezone.now(), resolution="ok"
    )
    overdue(top)
    overdue(resolved)
    assert escalation_sweep() == 0


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_escalate_an_issue_once(world):
    issues = [raise_issue(world, title=f"Issue {n}") for n in range(20)]
    for issue in issues:
        overdue(issue)
    mail.outbox.clear()
    now = timezone.now()
    barrier = threading.Barrier(2)
    moved = []

    def sweep():
        try:
            barrier.wait()
            moved.append(escalation_sweep(now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(moved) == 20
    for issue in issues:
        issue.refresh_from_db()
        assert issue.level.position == 2
        assert IssueStep.objects.unscoped().filter(issue=issue, kind="escalated").count() == 1
    assert len(mail.outbox) == 20  # one email per escalation, to the one manager


def test_internal_issues_never_reach_the_other_side(world):
    at_stage_5(world)
    internal = raise_issue(world, title="Northwind only: cash position")
    joint = raise_issue(world, visibility="joint", title="Both: depot access")
    partner = api_client_for(world.member("partner", Role.ADMIN))
    listed = [row["id"] for row in partner.get(url(world, "partner")).json()["results"]]
    assert listed == [joint.pk]
    assert partner.get(url(world, "partner", f"{internal.pk}/")).status_code == 404
    moved = partner.post(url(world, "partner", f"{internal.pk}/escalate/"), {"reason": "x"})
    assert moved.status_code == 404
    browser = Client()
    browser.force_login(world.member("partner", Role.ADMIN).user)
    page = browser.get(
        reverse("issue-list", args=[world.partner.slug, world.relationship.pk]) + "?status=all"
    )
    assert "Both: depot access" in page.text
    assert "Northwind only" not in page.text


def test_the_lead_sets_the_ladder_and_a_level_in_use_stays(world):
    at_stage_5(world)
    ladder = (
        f"/api/v1/orgs/{world.own.slug}/relationships/{world.relationship.pk}/escalation-ladder/"
    )
    lead = api_client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    default = lead.get(ladder).json()
    assert [level["name"] for level in default] == [
        "Working team",
        "Joint management team",
        "Senior executives (SERs)",
    ]
    two = {
        "levels": [
            {"name": "Site leads", "hours": 24, "audience": "owner"},
            {"name": "SERs", "hours": 48, "audience": "sers"},
        ]
    }
    assert lead.put(f"{ladder}replace/", two, format="json").status_code == 200
    issue = raise_issue(world)
    assert issue.level.name == "Site leads"
    partner = api_client_for(world.member("partner", Role.ADMIN))
    partner_ladder = ladder.replace(world.own.slug, world.partner.slug)
    refused = partner.put(f"{partner_ladder}replace/", two, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "not_lead")
    one = {"levels": [{"name": "Site leads", "hours": 24, "audience": "owner"}]}
    assert lead.put(f"{ladder}replace/", one, format="json").status_code == 200  # SERs unused
    Issue.objects.unscoped().filter(pk=issue.pk).update(level=rung(issue, 1))
    three = {"levels": [*two["levels"], {"name": "Boards", "hours": 99, "audience": "sers"}]}
    assert lead.put(f"{ladder}replace/", three, format="json").status_code == 200
    overdue(issue)
    assert escalation_sweep() == 1
    assert lead.put(f"{ladder}replace/", one, format="json").json()["code"] == "level_in_use"
    nameless = {"levels": [{"name": "", "hours": 24, "audience": "owner"}]}
    wrong = lead.put(f"{ladder}replace/", nameless, format="json").json()
    assert list(wrong["fields"]) == ["levels.0.name"]  # a nested field is named by its path


def test_the_lead_edits_the_ladder_in_the_browser_and_a_half_filled_row_is_refused(world):
    at_stage_5(world)
    client = Client()
    client.force_login(world.member("own", Role.RELATIONSHIP_MANAGER).user)
    issues = reverse("issue-list", args=[world.own.slug, world.relationship.pk])
    assert "Change the ladder" in client.get(issues).text
    url = reverse("ladder-update", args=[world.own.slug, world.relationship.pk])
    refused = client.post(url, {"ladder-name_1": "Site leads", "ladder-hours_1": ""})
    assert refused.status_code == 400
    assert "Needed for this level." in refused.text
    assert 'value="Site leads"' in refused.text
    saved = client.post(
        url,
        {
            "ladder-name_1": "Site leads",
            "ladder-hours_1": "24",
            "ladder-audience_1": "owner",
            "ladder-name_2": "SERs",
            "ladder-hours_2": "48",
            "ladder-audience_2": "sers",
        },
    )
    assert saved.status_code == 302
    with acting_as(world.own):
        assert [level.name for level in ladder_read(world.relationship)] == ["Site leads", "SERs"]
    partner = Client()
    partner.force_login(world.member("partner", Role.RELATIONSHIP_MANAGER).user)
    partner_url = reverse("ladder-update", args=[world.partner.slug, world.relationship.pk])
    assert (
        "Change the ladder"
        not in partner.get(
            reverse("issue-list", args=[world.partner.slug, world.relationship.pk])
        ).text
    )
    row = {"ladder-name_1": "Ours", "ladder-hours_1": "1", "ladder-audience_1": "owner"}
    refused = partner.post(partner_url, row)
    assert refused.status_code == 400
    assert "lead" in refused.text
    with acting_as(world.own):
        assert len(ladder_read(world.relationship)) == 2


def test_in_the_browser_a_move_needs_its_reason_and_keeps_it(world):
    issue = raise_issue(world)
    client = Client()
    client.force_login(world.member("own", Role.CONTRIBUTOR).user)
    move = reverse("issue-move", args=[world.own.slug, world.relationship.pk, issue.pk])
    refused = client.post(move, {"move-action": "escalate", "move-text": ""})
    assert refused.status_code == 400
    assert "Say why it moves, or how it was resolved." in refused.text
    moved = client.post(
        move, {"move-action": "escalate", "move-text": "Blocked for ten days"}, follow=True
    )
    assert "Escalated to Joint management team." in moved.text
    assert "Blocked for ten days" in moved.text
    raised = client.post(
        reverse("issue-create", args=[world.own.slug, world.relationship.pk]),
        {"issue-title": "", "issue-visibility": "internal", "issue-description": "Typed text"},
    )
    assert raised.status_code == 400
    assert "Typed text" in raised.text
    party = Party.objects.unscoped().get(relationship=world.relationship, organization=world.own)
    assert party.status == "active"
