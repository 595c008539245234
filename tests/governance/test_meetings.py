"""Meetings, decisions and actions: a joint meeting has attendees from each party and gives
actions to any party's people; an internal one stays with its organization; actions are marked
done in place and filtered as overdue."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cbrms.tenancy.context import acting_as
from governance.models import Action, Decision, Meeting
from governance.services.meetings import action_create, decision_record, meeting_create
from relationships.models import Role
from tests.api_cases import ResourceCases
from tests.conftest import api_client_for
from tests.governance.test_risks_api import at_stage_5

pytestmark = pytest.mark.django_db

WHEN = datetime.datetime(2026, 10, 1, 10, tzinfo=datetime.UTC)


def meeting(world, position="own", visibility="internal", **fields) -> Meeting:
    member = world.member(position, Role.RELATIONSHIP_MANAGER)
    with acting_as(member.organization, user=member.user, membership=member):
        return meeting_create(
            relationship=world.relationship,
            membership=member,
            title=fields.pop("title", f"{position} {visibility} meeting"),
            held_at=fields.pop("held_at", WHEN),
            visibility=visibility,
            **fields,
        )


def action(world, position="own", visibility="internal", **fields) -> Action:
    member = world.member(position, Role.RELATIONSHIP_MANAGER)
    with acting_as(member.organization, user=member.user, membership=member):
        return action_create(
            relationship=world.relationship,
            membership=member,
            title=fields.pop("title", f"{position} {visibility} action"),
            due_date=fields.pop("due_date", datetime.date(2026, 12, 1)),
            visibility=visibility,
            **fields,
        )


def api(world, position="own", path="meetings/") -> str:
    slug = getattr(world, position).slug
    return f"/api/v1/orgs/{slug}/relationships/{world.relationship.pk}/{path}"


WRITERS = frozenset({Role.ADMIN, Role.RELATIONSHIP_MANAGER, Role.CONTRIBUTOR})


class TestMeetingResource(ResourceCases):
    path = "relationships/{relationship}/meetings/"
    write_roles = WRITERS
    operations = frozenset({"list", "retrieve", "create", "update"})

    def make_object(self, world):
        return meeting(world)

    def create_payload(self, world):
        return {
            "title": "Monthly review",
            "held_at": "2026-10-01T10:00:00Z",
            "visibility": "internal",
        }

    def update_payload(self, world, obj):
        return {"minutes": "All KPIs reviewed.", "status": "held"}


class TestDecisionResource(ResourceCases):
    path = "relationships/{relationship}/meeting-decisions/"
    write_roles = WRITERS
    operations = frozenset({"list", "retrieve", "create", "update"})

    def make_object(self, world):
        member = world.member("own", Role.RELATIONSHIP_MANAGER)
        with acting_as(world.own):
            return decision_record(meeting=meeting(world), membership=member, title="Pilot")

    def create_payload(self, world):
        return {"meeting": meeting(world).pk, "title": "Pilot in 20 stores"}

    def update_payload(self, world, obj):
        return {"rationale": "The teams are ready."}


class TestActionResource(ResourceCases):
    path = "relationships/{relationship}/actions/"
    write_roles = WRITERS
    operations = frozenset({"list", "retrieve", "create", "update"})

    def make_object(self, world):
        return action(world)

    def create_payload(self, world):
        return {"title": "Send the store list", "due_date": "2026-12-18", "visibility": "internal"}

    def update_payload(self, world, obj):
        return {"title": "Send the full store list"}


def test_a_joint_meeting_has_attendees_from_each_party_and_gives_them_actions(world):
    at_stage_5(world)
    mine = world.member("own", Role.CONTRIBUTOR)
    theirs = world.member("partner", Role.CONTRIBUTOR)
    client = api_client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    made = client.post(
        api(world),
        {
            "title": "Joint management team",
            "held_at": "2026-10-01T10:00:00Z",
            "attendees": [mine.pk, theirs.pk],
            "visibility": "joint",
        },
        format="json",
    )
    assert made.status_code == 201, made.json()
    assert {p["organization"] for p in made.json()["attendees"]} == {
        world.own.slug,
        world.partner.slug,
    }
    given = client.post(
        api(world, path="actions/"),
        {
            "title": "Draft the staffing plan",
            "due_date": "2026-10-15",
            "owner": theirs.pk,
            "meeting": made.json()["id"],
            "visibility": "joint",
        },
    )
    assert given.status_code == 201, given.json()
    assert given.json()["organization"] == world.partner.slug  # it is theirs to keep
    partner = api_client_for(theirs)
    done = partner.patch(
        api(world, "partner", f"actions/{given.json()['id']}/"), {"status": "done"}
    )
    assert done.status_code == 200
    assert done.json()["done_at"] is not None


def test_an_internal_meeting_names_its_own_people_and_keeps_its_actions_internal(world):
    at_stage_5(world)
    client = api_client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    outsider = world.member("partner", Role.CONTRIBUTOR)
    refused = client.post(
        api(world),
        {
            "title": "Our renewal strategy",
            "held_at": "2026-10-01T10:00:00Z",
            "attendees": [outsider.pk],
            "visibility": "internal",
        },
        format="json",
    )
    assert refused.status_code == 400
    assert "attendees" in refused.json()["fields"]
    stranger = world.member("stranger", Role.CONTRIBUTOR)
    unknown = client.post(
        api(world, path="actions/"),
        {"title": "x", "due_date": "2026-10-15", "owner": stranger.pk, "visibility": "joint"},
    )
    assert unknown.status_code == 400
    assert "owner" in unknown.json()["fields"]
    internal = meeting(world, title="Renewal strategy")
    joint_action = client.post(
        api(world, path="actions/"),
        {"title": "x", "due_date": "2026-10-15", "meeting": internal.pk, "visibility": "joint"},
    )
    assert joint_action.status_code == 400
    assert not Action.objects.unscoped().exists()


def test_the_other_side_never_sees_an_internal_meeting_its_decisions_or_actions(world):
    at_stage_5(world)
    secret = meeting(world, title="Northwind only: renewal tactics")
    with acting_as(world.own):
        decision_record(
            meeting=secret,
            membership=world.member("own", Role.RELATIONSHIP_MANAGER),
            title="Offer volume for price",
        )
    action(world, title="Northwind only: call the second supplier", meeting=secret)
    meeting(world, visibility="joint", title="Joint review")
    partner = api_client_for(world.member("partner", Role.VIEWER))
    assert [m["title"] for m in partner.get(api(world, "partner")).json()["results"]] == [
        "Joint review"
    ]
    assert partner.get(api(world, "partner", "meeting-decisions/")).json()["results"] == []
    assert partner.get(api(world, "partner", "actions/")).json()["results"] == []
    assert partner.get(api(world, "partner", f"meetings/{secret.pk}/")).status_code == 404
    for path in ("meetings/export/", "actions/export/", "meeting-decisions/export/"):
        body = b"".join(partner.get(api(world, "partner", path)).streaming_content)
        assert b"Northwind only" not in body
        assert b"Offer volume" not in body
    assert Decision.objects.unscoped().count() == 1


def test_the_overdue_filter_and_marking_done(world):
    today = timezone.localdate()
    late = action(world, title="Late one", due_date=today - datetime.timedelta(days=3))
    action(world, title="Next week", due_date=today + datetime.timedelta(days=7))
    client = api_client_for(world.member("own", Role.VIEWER))
    overdue = client.get(api(world, path="actions/?overdue=true")).json()["results"]
    assert [(a["title"], a["overdue"]) for a in overdue] == [("Late one", True)]
    writer = api_client_for(world.member("own", Role.CONTRIBUTOR))
    writer.patch(api(world, path=f"actions/{late.pk}/"), {"status": "done"})
    assert client.get(api(world, path="actions/?overdue=true")).json()["results"] == []
    reopened = writer.patch(api(world, path=f"actions/{late.pk}/"), {"status": "open"})
    assert reopened.json()["done_at"] is None


# --- the browser ---------------------------------------------------------------------------------


def browser(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def page(world, name, *extra, position="own") -> str:
    return reverse(name, args=[getattr(world, position).slug, world.relationship.pk, *extra])


def test_an_action_is_marked_done_in_place_from_the_list(world):
    late = action(world, title="Send the pilot list", due_date=timezone.localdate())
    client = browser(world.member("own", Role.CONTRIBUTOR))
    listed = client.get(page(world, "action-list"))
    assert f'hx-post="{page(world, "action-done", late.pk)}"' in listed.text
    row = client.post(page(world, "action-done", late.pk), HTTP_HX_REQUEST="true")
    assert row.status_code == 200
    assert row.text.lstrip().startswith(f'<tr role="row" id="action-{late.pk}">')
    assert "Done" in row.text
    late.refresh_from_db()
    assert late.status == "done"
    assert late.done_at is not None


def test_the_tabs_swap_the_list_and_the_empty_state_says_what_to_do(world):
    client = browser(world.member("own", Role.VIEWER))
    first = client.get(page(world, "action-list"))
    assert "Actions usually come out of meetings" in first.text
    swapped = client.get(
        page(world, "action-list") + "?show=overdue",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="action-results",
    )
    assert swapped.text.lstrip().startswith("{#") is False
    assert '<div id="action-results"' in swapped.text
    assert "<html" not in swapped.text
    assert "Nothing overdue." in swapped.text


def test_a_meeting_form_refused_keeps_its_attendees_and_text(world):
    client = browser(world.member("own", Role.RELATIONSHIP_MANAGER))
    person = world.member("own", Role.CONTRIBUTOR)
    refused = client.post(
        page(world, "meeting-create"),
        {
            "meeting-title": "Joint review",
            "meeting-held_at": "2026-10-01T10:00",
            "meeting-status": "planned",
            "meeting-agenda": "1. KPIs",
            "meeting-attendees": [str(person.pk)],
            "meeting-visibility": "joint",  # refused before stage 5
        },
    )
    assert refused.status_code == 400
    assert "The joint workspace opens in stage 5" in refused.text
    assert 'value="Joint review"' in refused.text
    assert f'value="{person.pk}" checked' in refused.text or (
        f'value="{person.pk}"' in refused.text and "checked" in refused.text
    )
    assert not Meeting.objects.unscoped().exists()


def test_a_time_zone_offset_postgresql_cannot_take_is_the_client_s_mistake(world):
    client = api_client_for(world.member("own", Role.VIEWER))
    far = client.get(api(world, path="meetings/?held_after=2000-01-01T00:00:00%2B16:00"))
    assert far.status_code == 400
    assert "held_after" in far.json()["fields"]
    near = client.get(api(world, path="meetings/?held_after=2000-01-01T00:00:00%2B14:00"))
    assert near.status_code == 200


def test_the_meetings_page_shows_what_is_coming_up_and_what_was_held(world):
    soon = timezone.now() + datetime.timedelta(days=5)
    meeting(world, title="Next review", held_at=soon)
    meeting(world, title="Last review", status="held")
    client = browser(world.member("own", Role.VIEWER))
    upcoming = client.get(page(world, "meeting-list") + "?show=upcoming").text
    assert "Next review" in upcoming
    assert "Last review" not in upcoming
    held = client.get(page(world, "meeting-list") + "?show=held").text
    assert "Last review" in held
    assert "Next review" not in held


def test_a_decision_s_wording_is_changed_on_the_meeting_s_page(world):
    held = meeting(world, title="Review")
    with acting_as(world.own):
        decision = decision_record(
            meeting=held, membership=world.member("own", Role.RELATIONSHIP_MANAGER), title="Pilt"
        )
    client = browser(world.member("own", Role.CONTRIBUTOR))
    url = page(world, "meeting-decision-update", held.pk, decision.pk)
    prefix = f"decision-{decision.pk}"
    refused = client.post(url, {f"{prefix}-title": "", f"{prefix}-rationale": "Kept"})
    assert refused.status_code == 400
    assert "Kept" in refused.text
    saved = client.post(url, {f"{prefix}-title": "Pilot in 20 stores"})
    assert saved.status_code == 302
    decision.refresh_from_db()
    assert decision.title == "Pilot in 20 stores"
