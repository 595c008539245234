"""Helpers of the lifecycle's browser tests: clients, URLs, and quick ways to set a stage up."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from cbrms.tenancy.context import acting_as
from lifecycle.models import DecisionRecord, Evidence, Requirement, RequirementStatus
from lifecycle.services.evidence import evidence_create
from lifecycle.services.gates import gate_request
from lifecycle.services.requirements import requirement_update
from relationships.models import Membership, Party, Relationship, Visibility
from relationships.services.relationships import party_set_ser
from tests.lifecycle.builders import prove, requirements_of

HTMX = {"HX-Request": "true"}


def client_for(membership: Membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def fresh(relationship: Relationship) -> Relationship:
    return Relationship.objects.unscoped().get(pk=relationship.pk)


def at_stage(relationship: Relationship, stage: int) -> Relationship:
    Relationship.objects.unscoped().filter(pk=relationship.pk).update(current_stage=stage)
    return fresh(relationship)


def detail_url(org, relationship, stage: int | None = None) -> str:
    url = reverse("relationship-detail", kwargs={"org_slug": org.slug, "pk": relationship.pk})
    return f"{url}?stage={stage}" if stage else url


def lifecycle_url(name: str, org, relationship, **kwargs) -> str:
    return reverse(name, kwargs={"org_slug": org.slug, "pk": relationship.pk, **kwargs})


def requirement_url(name: str, org, requirement) -> str:
    return lifecycle_url(name, org, requirement.relationship, requirement_pk=requirement.pk)


def status_url(org, requirement) -> str:
    return requirement_url("relationship-requirement-status", org, requirement)


def plan_url(org, requirement) -> str:
    return requirement_url("relationship-requirement-plan", org, requirement)


def evidence_url(org, requirement) -> str:
    return requirement_url("relationship-evidence-add", org, requirement)


def evidence_status_url(org, evidence) -> str:
    return lifecycle_url(
        "relationship-evidence-status", org, evidence.relationship, evidence_pk=evidence.pk
    )


def replace_url(org, evidence) -> str:
    return lifecycle_url(
        "relationship-evidence-replace", org, evidence.relationship, evidence_pk=evidence.pk
    )


def gate_request_url(org, relationship) -> str:
    return lifecycle_url("relationship-gate-request", org, relationship)


def decide_url(org, relationship, gate) -> str:
    return lifecycle_url("relationship-gate-decide", org, relationship, gate_pk=gate.pk)


def decide(client, org, relationship, gate, decision: str, comment: str = "", **kwargs):
    """A SER's decision through the form, both steps: the check, which asks to confirm and
    records nothing, then the confirmation."""
    data = {"decision-decision": decision, "decision-comment": comment}
    url = decide_url(org, relationship, gate)
    entries = DecisionRecord.objects.unscoped().filter(gate=gate).count()
    asked = client.post(url, data)
    question = "Approve this gate?" if decision == "approve" else "Reject this gate?"
    assert question in asked.text, asked.text
    assert DecisionRecord.objects.unscoped().filter(gate=gate).count() == entries
    return client.post(url, {**data, "decision-confirmed": "1"}, **kwargs)


def approvals_url(org) -> str:
    return reverse("approvals", kwargs={"org_slug": org.slug})


def requirements(relationship, organization, stage: int, visibility=Visibility.INTERNAL):
    return requirements_of(relationship, organization, stage=stage, visibility=visibility)


def note(requirement: Requirement, by: Membership, title: str, text: str = "") -> Evidence:
    with acting_as(by.organization, user=by.user, membership=by):
        return evidence_create(
            requirement=requirement,
            membership=by,
            kind="note",
            title=title,
            note=text or f"How we meet {requirement.item.key}.",
        )


def settle(relationship: Relationship, organization, stage: int, *, leave: int = 0) -> list:
    """Mark the stage's requirements ``organization`` works on as met, but the last ``leave``."""
    rows = requirements(relationship, organization, stage)
    if organization.pk == relationship.lead_organization_id:
        rows += requirements(relationship, organization, stage, Visibility.JOINT)
    prove(rows[: len(rows) - leave])  # met needs evidence
    with acting_as(organization):
        for requirement in rows[: len(rows) - leave]:
            requirement_update(
                requirement=requirement, organization=organization, status=RequirementStatus.MET
            )
    return rows[len(rows) - leave :]


def request_gate(relationship, side) -> DecisionRecord:
    with acting_as(side.organization, user=side.manager.user, membership=side.manager):
        return gate_request(relationship=fresh(relationship), requested_by=side.manager)


def items_on(page: str) -> list[int]:
    """The ids of the requirements a checklist page shows."""
    return [
        int(pk) for pk in re.findall(r'<li class="requirement [^"]*" id="requirement-(\d+)"', page)
    ]


def name_ser(relationship, organization, ser: Membership) -> None:
    party = Party.objects.unscoped().get(relationship=relationship, organization=organization)
    party_set_ser(party=party, organization=organization, ser=ser)
