"""Upgrading a relationship to a new version of its catalog, through ``framework/upgrade/``.

Version 2 of the full catalog is written to a temporary directory and loaded beside the
shipped one: one item removed, one added, one re-worded. A relationship keeps its version until
the lead upgrades it; the upgrade carries statuses by item id and reports what changed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lifecycle.models import Requirement, RequirementStatus
from lifecycle.services.catalogs import LoadOutcome, catalog_latest, catalogs_load
from lifecycle.services.requirements import gating_requirements, requirement_update
from relationships.models import Relationship, Role
from tests.conftest import api_client_for
from tests.lifecycle.builders import prove
from tests.lifecycle.helpers import Side, approve, request_gate, side_of
from tests.lifecycle.staging import ledger, put_at_stage, settle

pytestmark = pytest.mark.django_db

V1 = "2024.1"
V2 = "2999.1"
REMOVED = "iso44001:8.6.10"
ADDED = "iso44001:8.6.12"
REWORDED = "iso44001:8.6.2"
NOT_APPLICABLE = "iso44001:8.6.3"
NEW_TITLE = "Set up the joint governance and who decides what"


def write_v2(directory: Path) -> Path:
    """Version 2 of the shipped full catalog, as its maintainers would publish it."""
    current = catalog_latest("iso44001")
    assert current.version == V1
    items = []
    for item in current.items.order_by("position"):
        if item.key == REMOVED:
            continue
        entry = {
            "id": item.key,
            "stage": item.stage,
            "scope": item.scope,
            "title": NEW_TITLE if item.key == REWORDED else item.title,
            "guidance": item.guidance,
            "mandatory": item.mandatory,
            "evidence": item.evidence,
        }
        items.append(entry)
        if item.key == "iso44001:8.6.11":
            items.append(
                {
                    "id": ADDED,
                    "stage": 5,
                    "scope": "joint",
                    "title": "Agree how the joint data is protected",
                    "guidance": "Say who may see which shared data, and how a breach is handled.",
                    "mandatory": True,
                    "evidence": "Data protection agreement",
                }
            )
    document = {"profile": "iso44001", "version": V2, "title": "Full lifecycle, v2", "items": items}
    path = directory / "iso44001-v2.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    return path


def load_v2(directory: Path) -> None:
    (result,) = catalogs_load(directory=write_v2(directory).parent)
    assert (result.outcome, result.catalog.version) == (LoadOutcome.CREATED, V2)


def requirements_by_key(side: Side, relationship: Relationship, stage: int) -> dict[str, dict]:
    response = side.manager_api.get(
        side.url(relationship, f"requirements/?stage={stage}&page_size=200")
    )
    assert response.status_code == 200, response.content
    return {row["item"]: row for row in response.json()["results"]}


def upgrade(side: Side, relationship: Relationship, **body):
    return side.manager_api.post(side.url(relationship, "framework/upgrade/"), body, format="json")


def framework_of(side: Side, relationship: Relationship) -> dict:
    return side.manager_api.get(side.url(relationship, "framework/")).json()


@pytest.fixture
def parties(world) -> tuple[Relationship, Side, Side]:
    return (
        world.relationship,
        side_of(world.own, world.relationship),
        side_of(world.partner, world.relationship),
    )


def test_an_upgrade_carries_statuses_by_item_and_reports_the_changes(parties, tmp_path):
    relationship, lead, partner = parties
    before = requirements_by_key(lead, relationship, 5)
    # Evidence first: met means proven.
    for key in (REWORDED, REMOVED):
        noted = lead.manager_api.post(
            lead.url(relationship, "evidence/"),
            {"requirement": before[key]["id"], "kind": "note", "title": key, "note": "Done."},
            format="json",
        )
        assert noted.status_code == 201, noted.content
    patch = lead.manager_api.patch
    assert (
        patch(
            lead.url(relationship, f"requirements/{before[REWORDED]['id']}/"),
            {"status": "met"},
            format="json",
        ).status_code
        == 200
    )
    assert (
        patch(
            lead.url(relationship, f"requirements/{before[NOT_APPLICABLE]['id']}/"),
            {"status": "not_applicable", "justification": "Both share one IT system."},
            format="json",
        ).status_code
        == 200
    )
    partner_internal = next(iter(requirements_by_key(partner, relationship, 1).values()))
    assert (
        partner.manager_api.patch(
            partner.url(relationship, f"requirements/{partner_internal['id']}/"),
            {"status": "in_progress"},
            format="json",
        ).status_code
        == 200
    )
    rows_before = Requirement.objects.unscoped().filter(relationship=relationship).count()

    load_v2(tmp_path)
    shown = framework_of(lead, relationship)
    assert (shown["catalog_version"], shown["latest_version"]) == (V1, V2)

    response = upgrade(lead, relationship)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "from_version": V1,
        "to_version": V2,
        "carried": rows_before - 1,
        "added": [ADDED],
        "removed": [REMOVED],
        "changed": {REWORDED: ["title"]},
    }
    shown = framework_of(partner, relationship)
    assert shown["catalog_version"] == V2
    assert shown["upgraded_at"] is not None

    after = requirements_by_key(lead, relationship, 5)
    reworded = after[REWORDED]
    assert (reworded["id"], reworded["status"], reworded["title"]) == (
        before[REWORDED]["id"],
        "met",
        NEW_TITLE,
    )
    assert reworded["evidence_count"] == 1
    assert after[NOT_APPLICABLE]["status"] == "not_applicable"
    assert after[NOT_APPLICABLE]["justification"] == "Both share one IT system."
    assert (after[ADDED]["status"], after[ADDED]["organization"]) == ("todo", "own-org")
    partner_after = requirements_by_key(partner, relationship, 1)[partner_internal["item"]]
    assert (partner_after["id"], partner_after["status"]) == (partner_internal["id"], "in_progress")

    # The removed item's requirement is kept for the record but no longer gates stage 5; the
    # added one does.
    gating = {r.item.key for r in gating_requirements(relationship=relationship, stage=5)}
    assert REMOVED not in gating
    assert ADDED in gating
    listed = requirements_by_key(lead, relationship, 5)
    assert (listed[REMOVED]["retired"], listed[ADDED]["retired"]) == (True, False)
    stage5 = lead.manager_api.get(lead.url(relationship, "stages/")).json()[4]
    assert stage5["requirements"] == sum(1 for row in listed.values() if not row["retired"])
    for requirement in gating_requirements(relationship=relationship, stage=5):
        if requirement.item.key != ADDED and requirement.status == RequirementStatus.TODO:
            prove([requirement])
            requirement_update(
                requirement=requirement, organization=lead.organization, status="met"
            )
    relationship = put_at_stage(relationship, 5)
    unmet = request_gate(lead, relationship)
    assert (unmet.status_code, unmet.json()["code"]) == (400, "requirements_unmet")
    assert [row["item"] for row in unmet.json()["missing"]] == [ADDED]

    prove([Requirement.objects.unscoped().get(pk=after[ADDED]["id"])])
    met = patch(
        lead.url(relationship, f"requirements/{after[ADDED]['id']}/"),
        {"status": "met"},
        format="json",
    )
    assert met.status_code == 200, met.content
    gate = request_gate(lead, relationship)
    assert gate.status_code == 201, gate.content
    removed_evidence = lead.manager_api.get(
        lead.url(relationship, f"evidence/?requirement={before[REMOVED]['id']}")
    ).json()["results"]
    assert removed_evidence
    assert str(removed_evidence[0]["id"]) not in gate.json()["evidence"]


def test_the_upgrade_waits_for_a_pending_gate_and_belongs_to_the_lead(parties, tmp_path, world):
    relationship, lead, partner = parties
    settle(relationship, 1)
    gate = request_gate(lead, relationship).json()
    load_v2(tmp_path)

    refused = upgrade(lead, relationship)
    assert (refused.status_code, refused.json()["code"]) == (409, "gate_pending")
    assert framework_of(lead, relationship)["catalog_version"] == V1

    not_lead = upgrade(partner, relationship)
    assert (not_lead.status_code, not_lead.json()["code"]) == (403, "not_lead")
    executive = api_client_for(world.member("own", Role.EXECUTIVE)).post(
        lead.url(relationship, "framework/upgrade/"), {}, format="json"
    )
    assert (executive.status_code, executive.json()["code"]) == (403, "permission_denied")

    assert approve(lead, relationship, gate["id"]).json()["status"] == "passed"
    entries = ledger(relationship).count()
    assert upgrade(partner, relationship).status_code == 403
    assert framework_of(lead, relationship)["catalog_version"] == V1

    done = upgrade(lead, relationship, version=V2)
    assert done.status_code == 200, done.content
    assert framework_of(partner, relationship)["catalog_version"] == V2
    again = upgrade(lead, relationship)
    assert (again.status_code, again.json()["code"]) == (409, "up_to_date")
    assert ledger(relationship).count() == entries
