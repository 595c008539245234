"""A member of an ecosystem whose member directory is closed learns nothing of the other members.

The probe that found the gap: with ``member_directory_visible`` off, a member's ``parties/`` showed
only its own party, yet a joint gate's approvers, joint evidence, a joint requirement's owner and
the audit feed named the other members (slugs, names, emails), and so did the browser's "from
<organization>" on evidence. Here another member works in the joint workspace (evidence, a
requirement it owns, a gate its SER approves, audit events it causes), and every API route and
every page, discovered from the URL resolver, is walked by every role of a third member: no
other member's name, slug or email may appear. The walk does reach that work (its content is
there), and the orchestrator, who may see the directory, finds the names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from cbrms.audit.models import AuditEvent
from lifecycle.models import DecisionRecord, Evidence, Requirement, Section
from lifecycle.services.documents import document_create, section_editing_mark, section_save
from lifecycle.services.requirements import requirement_update
from relationships.models import Membership, Organization, Relationship, RelationshipType, Role
from tests.conftest import ROLES, api_client_for, session_client_for
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory, make_relationship
from tests.lifecycle.builders import add_evidence, as_member, name_ser, requirements_of
from tests.lifecycle.helpers import request_gate, side_of
from tests.lifecycle.staging import put_at_stage, settle
from tests.security.test_internal_privacy import (
    BROWSER_PREFIX,
    Walk,
    _params,
    fill,
    get_routes,
    is_relationship_param,
    param_values,
)
from tests.security.test_tenancy_bypass import ORG_PREFIX

pytestmark = pytest.mark.django_db


@dataclass
class ClosedEcosystem:
    relationship: Relationship
    orchestrator: Organization
    walker: Organization
    others: list[Organization]
    #: What names the other members: their names, slugs, their people's names and emails.
    names: set[str] = field(default_factory=set)
    #: Content the other members put in the joint workspace (the walk must reach it).
    content: set[str] = field(default_factory=set)
    #: Ids that detail routes are tried with.
    ids: list[int] = field(default_factory=list)

    def member(self, organization: Organization, role: str) -> Membership:
        found = Membership.objects.unscoped().filter(organization=organization, role=role).first()
        return found or MembershipFactory(organization=organization, role=role)


def _person(organization: Organization, role: str, name: str) -> Membership:
    slug = organization.slug
    user = UserFactory(email=f"{name.split()[0].lower()}@{slug}.example", full_name=name)
    return MembershipFactory(organization=organization, role=role, user=user)


@pytest.fixture
def eco(db) -> ClosedEcosystem:
    orchestrator = OrganizationFactory(name="Harbour Authority", slug="harbour-authority")
    walker = OrganizationFactory(name="Walker Marine", slug="walker-marine")
    others = [
        OrganizationFactory(name="Zephyrine Quayside Holdings", slug="zephyrine-quayside"),
        OrganizationFactory(name="Marchbank Cold Chain", slug="marchbank-cold-chain"),
    ]
    relationship = make_relationship(
        lead=orchestrator,
        partners=(walker, *others),
        type=RelationshipType.ECOSYSTEM,
        name="Closed port ecosystem",
    )
    assert relationship.member_directory_visible is False
    scene = ClosedEcosystem(relationship, orchestrator, walker, others)

    orchestrator_side = side_of(orchestrator, relationship)
    side_of(walker, relationship)
    for n, other in enumerate(others):
        manager = _person(other, Role.RELATIONSHIP_MANAGER, f"Ottoline Manager{n}")
        ser = _person(other, Role.EXECUTIVE, f"Barnaby Executive{n}")
        name_ser(relationship, ser)
        scene.names |= {other.name, other.slug, manager.user.full_name, manager.user.email}
        scene.names |= {ser.user.full_name, ser.user.email}
        # Joint work of the other member: evidence, a requirement it owns (an audit event too).
        joint = requirements_of(relationship, orchestrator, stage=5, visibility="joint")[n]
        content = f"cold-store temperature log {n}"
        evidence = add_evidence(joint, manager, title=content, note=f"Readings {n}.")
        scene.content.add(content)
        with as_member(manager):
            requirement_update(requirement=joint, organization=other, owner=manager)
        scene.ids.append(evidence.pk)
        scene.ids.append(joint.pk)

    # The joint RMP, a section of which another member wrote and is editing now.
    relationship = put_at_stage(relationship, 4)
    with as_member(orchestrator_side.manager):
        plan = document_create(
            kind="joint_rmp",
            organization=orchestrator,
            membership=orchestrator_side.manager,
            relationship=relationship,
        )
    writer = Membership.objects.unscoped().get(
        organization=others[0], role=Role.RELATIONSHIP_MANAGER
    )
    with as_member(writer):
        section = Section.objects.select_related("document__relationship").get(
            document=plan, key="purpose"
        )
        section_save(
            section=section, membership=writer, expected_version=1, body="berth allocation rules"
        )
        section_editing_mark(section=section, membership=writer)
    scene.content.add("berth allocation rules")
    scene.ids.append(plan.pk)

    # Stage 5 gate with a quorum; the first other member's SER approves it.
    orchestrator_side.manager_api.patch(
        orchestrator_side.url(relationship, "framework/"), {"member_quorum": 2}, format="json"
    )
    put_at_stage(relationship, 5)
    settle(relationship, 5)
    gate = request_gate(orchestrator_side, relationship).json()
    approver = Membership.objects.unscoped().get(organization=others[0], role=Role.EXECUTIVE)
    approved = api_client_for(approver).post(
        f"/api/v1/orgs/{others[0].slug}/relationships/{relationship.pk}/gates/{gate['id']}/approve/",
        {"comment": "Fine by us."},
        format="json",
    )
    assert approved.status_code == 200, approved.content
    scene.ids.append(gate["id"])
    scene.ids += list(
        DecisionRecord.objects.unscoped()
        .filter(relationship=relationship, organization__in=others)
        .values_list("id", flat=True)
    )
    scene.ids += list(
        AuditEvent.objects.unscoped()
        .filter(relationship_id=relationship.pk, acting_organization_id__in=[o.pk for o in others])
        .values_list("id", flat=True)[:10]
    )
    scene.names = {name.lower() for name in scene.names}
    scene.content = {text.lower() for text in scene.content}
    return scene


def urls_of(prefix: str, slug: str, scene: ClosedEcosystem, *, every_id: bool):
    """(name, action, url) of every GET route under ``prefix`` for the ecosystem."""
    for route, name, action in get_routes(prefix):
        names = [n for n in _params(route) if n != "org_slug"]
        relationship_params = [n for n in names if is_relationship_param(route, n)]
        other = [n for n in names if n not in relationship_params]
        if other and not every_id:
            continue
        combos = [dict.fromkeys(relationship_params, scene.relationship.pk)]
        for param in other:
            combos = [
                {**c, param: value} for c in combos for value in param_values(param, scene.ids)
            ]
        for combo in combos:
            yield name, action, fill(route, {"org_slug": slug, **combo})


def walk_everything(scene: ClosedEcosystem, organization: Organization) -> list[Walk]:
    walks = []
    for role in ROLES:
        membership = scene.member(organization, role)
        every_id = role == Role.ADMIN
        api = Walk(f"{organization.slug}/{role}", role, api_client_for(membership), scene.names, {})
        for name, action, url in urls_of(ORG_PREFIX, organization.slug, scene, every_id=every_id):
            if action in ("list", "verify"):
                api.walk_list(url, name="")
                if name == "audit-event-list":
                    api.walk_list(f"{url}?relationship={scene.relationship.pk}", name="")
            else:
                api.get(url)
        browser = Walk(
            f"{organization.slug}/{role} (browser)",
            role,
            session_client_for(membership),
            scene.names,
            {},
        )
        for _, _, url in urls_of(BROWSER_PREFIX, organization.slug, scene, every_id=every_id):
            browser.get(url, ok=(200, 302, 403, 404, 405))
        walks += [api, browser]
    return walks


def test_a_member_finds_no_other_member_anywhere(eco):
    walks = walk_everything(eco, eco.walker)
    problems = [problem for walk in walks for problem in walk.problems]
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems[:40])
    # The walk reached the other members' joint work, where their names could have been.
    missing = sorted(text for text in eco.content if not any(w.saw(text) for w in walks))
    assert not missing, f"the walk never reached {missing}"
    assert any("another member" in text for w in walks for text in w.seen)


def test_the_orchestrator_who_sees_the_directory_finds_the_names(eco):
    client = api_client_for(eco.member(eco.orchestrator, Role.ADMIN))
    url = f"/api/v1/orgs/{eco.orchestrator.slug}/relationships/{eco.relationship.pk}/evidence/"
    body = client.get(url).content.decode().lower()
    assert any(name in body for name in eco.names)


def test_an_open_directory_names_the_members_to_each_other(eco):
    Relationship.objects.unscoped().filter(pk=eco.relationship.pk).update(
        member_directory_visible=True
    )
    client = api_client_for(eco.member(eco.walker, Role.ADMIN))
    url = f"/api/v1/orgs/{eco.walker.slug}/relationships/{eco.relationship.pk}/evidence/"
    rows = client.get(url).json()["results"]
    others = {row["organization"] for row in rows if row["organization"] != eco.orchestrator.slug}
    assert others == {other.slug for other in eco.others}


def test_another_member_s_evidence_is_shown_as_another_member_s(eco):
    client = api_client_for(eco.member(eco.walker, Role.VIEWER))
    url = f"/api/v1/orgs/{eco.walker.slug}/relationships/{eco.relationship.pk}/evidence/"
    rows = [r for r in client.get(url).json()["results"] if r["title"].startswith("cold-store")]
    assert len(rows) == 2
    for row in rows:
        assert row["organization"] is None
        assert row["owner"] == {
            "id": None,
            "email": None,
            "full_name": "Another member",
            "organization": None,
        }
    requirement = Requirement.objects.unscoped().get(pk=eco.ids[1])
    url = f"/api/v1/orgs/{eco.walker.slug}/relationships/{eco.relationship.pk}/requirements/"
    shown = client.get(f"{url}{requirement.pk}/").json()
    assert shown["owner"]["full_name"] == "Another member"
    assert shown["organization"] == eco.orchestrator.slug  # the joint item is the orchestrator's
    assert Evidence.objects.unscoped().filter(pk=eco.ids[0]).exists()
