"""The rules of requirements and evidence, each in one place, as a new user broke them.

- Met means proven: at least one piece of evidence that is not withdrawn; withdrawing or
  removing the last one reopens the requirement; a gate checks it too.
- Who settles a joint requirement: a relationship manager (or admin) of any active party; in an
  ecosystem, the orchestrator alone. Who settled it, and when, is kept and shown.
- A closed relationship (exited or archived) takes no more work: 409 ``relationship_closed``.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from lifecycle.models import Evidence, Requirement, RequirementStatus
from relationships.models import Relationship, RelationshipStatus, RelationshipType, Role
from tests.conftest import api_client_for, session_client_for
from tests.factories import OrganizationFactory, make_relationship
from tests.lifecycle.builders import add_evidence, requirements_of, settle
from tests.lifecycle.helpers import request_gate, side_of
from tests.lifecycle.staging import put_at_stage

pytestmark = pytest.mark.django_db


def url(world, relationship, suffix: str, position: str = "own") -> str:
    slug = world.org(position).slug
    return f"/api/v1/orgs/{slug}/relationships/{relationship.pk}/{suffix}"


@pytest.fixture
def manager(world):
    return world.member("own", Role.RELATIONSHIP_MANAGER)


@pytest.fixture
def api(manager):
    return api_client_for(manager)


def first_internal(world) -> Requirement:
    return requirements_of(world.relationship, world.own, stage=1)[0]


def status_of(requirement: Requirement) -> str:
    return Requirement.objects.unscoped().get(pk=requirement.pk).status


# --- met means proven ----------------------------------------------------------------------------


def test_met_without_evidence_is_refused_and_with_evidence_accepted(world, api, manager):
    requirement = first_internal(world)
    target = url(world, world.relationship, f"requirements/{requirement.pk}/")
    refused = api.patch(target, {"status": "met"})
    assert (refused.status_code, refused.json()["code"]) == (400, "evidence_required")
    assert "status" in refused.json()["fields"]

    add_evidence(requirement, manager, note="The board appointed the SER.")  # a draft
    accepted = api.patch(target, {"status": "met"})
    assert accepted.status_code == 200, accepted.content
    body = accepted.json()
    assert body["settled_by"]["id"] == manager.pk
    assert body["settled_at"] is not None
    # Not applicable needs no evidence, but a justification (the rule kept).
    other = requirements_of(world.relationship, world.own, stage=1)[1]
    target = url(world, world.relationship, f"requirements/{other.pk}/")
    assert api.patch(target, {"status": "not_applicable"}).status_code == 400
    justified = {"status": "not_applicable", "justification": "We have no suppliers yet."}
    assert api.patch(target, justified).status_code == 200


def test_withdrawing_the_last_evidence_reopens_the_requirement(world, api, manager):
    requirement = first_internal(world)
    first = add_evidence(requirement, manager, note="One.")
    second = add_evidence(requirement, manager, note="Two.")
    target = url(world, world.relationship, f"requirements/{requirement.pk}/")
    assert api.patch(target, {"status": "met"}).status_code == 200

    withdrawn = api.patch(
        url(world, world.relationship, f"evidence/{first.pk}/"), {"status": "withdrawn"}
    )
    assert withdrawn.status_code == 200
    assert status_of(requirement) == RequirementStatus.MET  # the second still proves it

    removed = api.delete(url(world, world.relationship, f"evidence/{second.pk}/"))
    assert removed.status_code == 204
    reopened = api.get(target).json()
    assert (reopened["status"], reopened["settled_by"], reopened["settled_at"]) == (
        "in_progress",
        None,
        None,
    )


def test_a_gate_does_not_rest_on_a_met_requirement_without_evidence(world, manager):
    relationship = world.relationship
    lead = side_of(world.own, relationship)
    settle(relationship, 1)
    # Forced behind the services' back: met, and its evidence withdrawn.
    [requirement, *_] = requirements_of(relationship, world.own, stage=1)
    Evidence.objects.unscoped().filter(requirement=requirement).update(status="withdrawn")
    refused = request_gate(lead, relationship)
    assert (refused.status_code, refused.json()["code"]) == (400, "requirements_unmet")
    assert requirement.pk in [row["id"] for row in refused.json()["missing"]]


def test_the_gate_panel_flags_requirements_met_on_draft_evidence_only(world):
    relationship = world.relationship
    lead = side_of(world.own, relationship)
    settle(relationship, 1)  # its proofs are drafts
    assert request_gate(lead, relationship).status_code == 201
    page = session_client_for(lead.ser).get(f"/o/{world.own.slug}/relationships/{relationship.pk}/")
    assert "Met on draft evidence only" in page.content.decode()
    Evidence.objects.unscoped().filter(relationship=relationship).update(status="approved")
    page = session_client_for(lead.ser).get(f"/o/{world.own.slug}/relationships/{relationship.pk}/")
    assert "Met on draft evidence only" not in page.content.decode()


# --- who settles a joint requirement -------------------------------------------------------------


def joint_of(relationship: Relationship) -> Requirement:
    return requirements_of(
        relationship, relationship.lead_organization, stage=5, visibility="joint"
    )[0]


def test_a_relationship_manager_of_either_party_settles_a_joint_requirement(world):
    relationship = put_at_stage(world.relationship, 5)
    joint = joint_of(relationship)
    partner_manager = world.member("partner", Role.RELATIONSHIP_MANAGER)
    add_evidence(joint, partner_manager, note="Our minutes of the joint meeting.")
    target = url(world, relationship, f"requirements/{joint.pk}/", "partner")

    contributor = api_client_for(world.member("partner", Role.CONTRIBUTOR))
    refused = contributor.patch(target, {"status": "met"})
    assert (refused.status_code, refused.json()["code"]) == (403, "role_cannot_settle")
    assert contributor.patch(target, {"status": "in_progress"}).status_code == 200  # works on it

    settled = api_client_for(partner_manager).patch(target, {"status": "met"})
    assert settled.status_code == 200, settled.content
    assert settled.json()["settled_by"]["organization"] == world.partner.slug
    # The lead's people see who settled it, and when, on the page.
    page = session_client_for(world.member("own", Role.VIEWER)).get(
        f"/o/{world.own.slug}/relationships/{relationship.pk}/"
    )
    assert f"by {partner_manager.user.full_name}" in page.content.decode()


def test_in_an_ecosystem_only_the_orchestrator_settles_a_joint_requirement(db):
    orchestrator = OrganizationFactory(slug="harbour")
    member = OrganizationFactory(slug="member-one")
    relationship = make_relationship(
        lead=orchestrator, partners=(member,), type=RelationshipType.ECOSYSTEM
    )
    relationship = put_at_stage(relationship, 5)
    joint = joint_of(relationship)
    member_side, lead_side = side_of(member, relationship), side_of(orchestrator, relationship)
    add_evidence(joint, member_side.manager, note="Onboarded our site.")

    refused = member_side.manager_api.patch(
        member_side.url(relationship, f"requirements/{joint.pk}/"), {"status": "met"}
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "orchestrator_settles")
    assert status_of(joint) == RequirementStatus.TODO
    done = lead_side.manager_api.patch(
        lead_side.url(relationship, f"requirements/{joint.pk}/"), {"status": "met"}
    )
    assert done.status_code == 200, done.content


# --- a closed relationship takes no more work -----------------------------------------------------


@pytest.mark.parametrize("closed", ["archived", "exited"])
def test_a_closed_relationship_refuses_every_lifecycle_write(world, api, manager, closed):
    requirement = first_internal(world)
    evidence = add_evidence(requirement, manager, note="Before it closed.")
    changes = (
        {"archived_at": timezone.now()}
        if closed == "archived"
        else {"status": RelationshipStatus.EXITED}
    )
    Relationship.objects.unscoped().filter(pk=world.relationship.pk).update(**changes)
    relationship = world.relationship
    attempts = [
        ("patch", f"requirements/{requirement.pk}/", {"status": "in_progress"}),
        ("patch", f"requirements/{requirement.pk}/", {"due_date": "2027-01-31"}),
        (
            "post",
            "evidence/",
            {"requirement": requirement.pk, "kind": "note", "title": "x", "note": "y"},
        ),
        ("patch", f"evidence/{evidence.pk}/", {"title": "Renamed"}),
        ("delete", f"evidence/{evidence.pk}/", None),
        ("post", "gates/", {"kind": "advance"}),
        ("patch", "framework/", {"member_quorum": 0}),
    ]
    for method, suffix, body in attempts:
        response = getattr(api, method)(url(world, relationship, suffix), body)
        assert (response.status_code, response.json()["code"]) == (409, "relationship_closed"), (
            method,
            suffix,
            response.content,
        )
    assert Evidence.objects.unscoped().filter(pk=evidence.pk, title=evidence.title).exists()
