"""Exports as jobs: a register as CSV (the same file as its streamed export) or Excel, and the
whole relationship as JSON or a workbook, each read in the scope of the organization that
asked. The job runs here in the test process (``tests/jobs`` has the worker tests)."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from openpyxl import load_workbook

from cbrms.jobs.models import JobState
from cbrms.jobs.services import job_execute
from cbrms.tenancy.context import acting_as
from governance.api.risks import EXPORT_COLUMNS
from relationships.models import Role
from tests.conftest import api_client_for
from tests.governance.test_risks_api import at_stage_5, risk, url

pytestmark = pytest.mark.django_db


def exports_url(world, position="own") -> str:
    slug = getattr(world, position).slug
    return f"/api/v1/orgs/{slug}/relationships/{world.relationship.pk}/exports/"


def export(world, client, position, capture, **body) -> bytes:
    """Ask for an export, run its job as the worker would, and download the file."""
    with capture():
        asked = client.post(exports_url(world, position), body, format="json")
    assert asked.status_code == 202, asked.content
    job = asked.json()
    assert (job["kind"], job["state"]) == ("relationship_export", "queued")
    with acting_as(getattr(world, position)):
        assert job_execute(job_id=job["id"]) == JobState.SUCCEEDED
    done = client.get(job["url"]).json()
    assert done["progress"] == 100
    return b"".join(client.get(done["result"]["download"]).streaming_content)


@pytest.fixture
def risks(world):
    at_stage_5(world)
    risk(world, visibility="joint", title="Shared: peak capacity", likelihood=4, impact=4)
    risk(world, title='=HYPERLINK("http://evil.example")', cause="+1+1")
    risk(world, position="partner", title="Partner only: key staff")


def test_a_register_as_csv_is_its_streamed_export_and_as_excel_the_same_rows(
    world, risks, django_capture_on_commit_callbacks
):
    viewer = api_client_for(world.member("own", Role.VIEWER))  # reading is enough
    streamed = b"".join(viewer.get(url(world, suffix="export/")).streaming_content)
    made = export(
        world, viewer, "own", django_capture_on_commit_callbacks, scope="risks", format="csv"
    )
    assert made == streamed

    workbook = load_workbook(
        io.BytesIO(
            export(
                world,
                viewer,
                "own",
                django_capture_on_commit_callbacks,
                scope="risks",
                format="xlsx",
            )
        )
    )
    sheet = workbook["Risks"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [header for header, _ in EXPORT_COLUMNS]
    titles = {row[list(rows[0]).index("title")] for row in rows[1:]}
    assert titles == {"Shared: peak capacity", '=HYPERLINK("http://evil.example")'}
    # Text a spreadsheet would run stays text, unchanged.
    assert {cell.data_type for row in sheet.iter_rows() for cell in row if cell.value} <= {"s", "n"}


def test_everything_as_json_is_what_the_organization_may_see(
    world, risks, django_capture_on_commit_callbacks
):
    partner = api_client_for(world.member("partner", Role.RELATIONSHIP_MANAGER))
    record = json.loads(
        export(
            world,
            partner,
            "partner",
            django_capture_on_commit_callbacks,
            scope="relationship",
            format="json",
        )
    )
    assert record["organization"] == world.partner.slug
    assert record["relationship"]["id"] == world.relationship.pk
    for part in ("parties", "requirements", "evidence", "decision_ledger", "documents"):
        assert part in record
    titles = {row["title"] for row in record["registers"]["risks"]}
    assert titles == {"Shared: peak capacity", "Partner only: key staff"}
    text = json.dumps(record)
    assert "HYPERLINK" not in text  # the lead's internal risk
    # Internal work in it is the partner's own only; the lead's internal checklist is not.
    internal = [r for r in record["requirements"] if r["visibility"] == "internal"]
    assert internal
    assert {r["organization"] for r in internal} == {world.partner.name}
    assert {r["organization"] for r in record["requirements"]} >= {world.own.name}  # joint ones

    workbook = load_workbook(
        io.BytesIO(
            export(
                world,
                partner,
                "partner",
                django_capture_on_commit_callbacks,
                scope="relationship",
                format="xlsx",
            )
        )
    )
    assert {"Risks", "Issues", "Objectives", "Actions"} <= set(workbook.sheetnames)


def test_what_cannot_be_exported_is_refused_clearly(world, risks):
    client = api_client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    for body, field in (
        ({"scope": "relationship", "format": "csv"}, "format"),
        ({"scope": "salaries", "format": "json"}, "scope"),
        ({"scope": "risks", "format": "pdf"}, "format"),
        ({"format": "json"}, "scope"),
    ):
        refused = client.post(exports_url(world), body, format="json")
        assert refused.status_code == 400, body
        assert field in refused.json()["fields"], refused.json()
    stranger = api_client_for(world.member("stranger", Role.ADMIN))
    hidden = stranger.post(
        f"/api/v1/orgs/{world.stranger.slug}/relationships/{world.relationship.pk}/exports/",
        {"scope": "relationship", "format": "json"},
        format="json",
    )
    assert hidden.status_code == 404


def test_the_browser_asks_and_follows_the_job(world, risks, django_capture_on_commit_callbacks):
    browser = Client()
    browser.force_login(world.member("own", Role.VIEWER).user)
    base = f"/o/{world.own.slug}/relationships/{world.relationship.pk}"
    page = browser.get(f"{base}/risks/")
    assert "Export Excel" in page.text
    with django_capture_on_commit_callbacks():
        asked = browser.post(f"{base}/exports/", {"scope": "risks", "format": "xlsx"})
    assert asked.status_code == 302
    assert "/jobs/" in asked["Location"]
    refused = browser.post(f"{base}/exports/", {"scope": "nothing", "format": "xlsx"}, follow=True)
    assert "Nothing to export" in refused.text
