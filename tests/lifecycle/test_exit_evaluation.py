"""The exit evaluation (stage 8, ISO 44001 8.9.4 and 9.1.2): a joint document the lead starts
once the exit is under way, written by both parties, issued by both SERs, pinned as evidence
of "Evaluate the relationship", and made into a PDF like the joint RMP."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from cbrms.jobs.models import JobState
from cbrms.jobs.services import job_execute
from cbrms.tenancy.context import acting_as
from lifecycle.models import Document, Section
from lifecycle.sections import DOCUMENTS, DocumentKind
from lifecycle.services.documents import section_save
from relationships.models import Visibility
from tests.lifecycle.pages import at_stage
from tests.lifecycle.test_document_evidence import evidence_url, issue, requirement_for

pytestmark = pytest.mark.django_db


def start(side, relationship):
    return side.manager_api.post(
        f"/api/v1/orgs/{side.organization.slug}/documents/",
        {"kind": "exit_evaluation", "relationship": relationship.pk},
        format="json",
    )


def test_the_lead_starts_it_in_stage_8_and_both_parties_write_it(world, lead, partner):
    relationship = at_stage(world.relationship, 7)
    early = start(lead, relationship)
    assert (early.status_code, early.json()["code"]) == (409, "too_early")

    relationship = at_stage(world.relationship, 8)
    refused = start(partner, relationship)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_lead")
    started = start(lead, relationship)
    assert started.status_code == 201, started.content
    document = Document.objects.unscoped().get(pk=started.json()["id"])
    assert (document.visibility, document.organization) == (Visibility.JOINT, world.own)
    keys = [s.key for s in Section.objects.unscoped().filter(document=document)]
    assert keys == [s.key for s in DOCUMENTS[DocumentKind.EXIT_EVALUATION].sections]
    again = start(lead, relationship)
    assert again.status_code == 409

    # The partner reads it and writes its part, a separation table included.
    url = f"/api/v1/orgs/{world.partner.slug}/documents/{document.pk}/sections/separation/"
    read = partner.manager_api.get(url)
    assert read.status_code == 200
    written = partner.manager_api.patch(
        url,
        {
            "body": "Every customer kept its deliveries.",
            "fields": {
                "steps": [
                    {
                        "step": "Chilled chamber handed back",
                        "owner": "Contoso",
                        "done": "2027-03-01",
                    }
                ]
            },
        },
        format="json",
        HTTP_IF_MATCH=read["ETag"],
    )
    assert written.status_code == 200, written.content


def test_issued_it_is_evidence_of_the_evaluation_and_has_a_pdf(
    world, lead, partner, django_capture_on_commit_callbacks
):
    relationship = at_stage(world.relationship, 8)
    document = Document.objects.unscoped().get(pk=start(lead, relationship).json()["id"])
    with acting_as(world.own, user=lead.manager.user, membership=lead.manager):
        section = Section.objects.unscoped().get(document=document, key="value")
        section_save(
            section=section,
            membership=lead.manager,
            expected_version=section.version,
            body="Two years of shared distribution: 11 % lower cost per case.",
        )
    version = issue(document, lead, partner)

    evaluate = requirement_for(relationship, world.own, "iso44001:8.9.4", 8, Visibility.JOINT)
    pinned = lead.manager_api.post(
        evidence_url(world.own, relationship),
        {
            "requirement": evaluate.pk,
            "kind": "document",
            "title": "Exit evaluation v1",
            "document_version": version.pk,
        },
        format="json",
    )
    assert pinned.status_code == 201, pinned.content

    url = f"/api/v1/orgs/{world.partner.slug}/documents/{document.pk}/versions/1/pdf/"
    with django_capture_on_commit_callbacks():
        job = partner.manager_api.post(url).json()
    with acting_as(world.partner):
        assert job_execute(job_id=job["id"]) == JobState.SUCCEEDED
    done = partner.manager_api.get(job["url"]).json()
    assert done["result"]["name"].endswith("-exit-evaluation-v1.pdf")
    pdf = b"".join(partner.manager_api.get(done["result"]["download"]).streaming_content)
    assert pdf.startswith(b"%PDF-")
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )
    assert "Exit evaluation" in text
    assert "11 % lower cost per case" in text
    assert "Approval record" in text
