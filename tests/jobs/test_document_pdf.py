"""The PDF of a document version, asked for through the API and made by a job (run here in
the test process: the worker tests are ``test_job_worker.py``)."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.test import Client
from pypdf import PdfReader

from cbrms.celery import app as celery_app
from cbrms.jobs import registry
from cbrms.jobs.models import Job, JobState
from cbrms.jobs.services import job_execute
from cbrms.tenancy.context import acting_as
from governance.models import Risk
from lifecycle.models import DecisionRecord, DocumentPdf, RecordKind
from relationships.models import Role, Visibility
from tests.conftest import api_client_for
from tests.jobs.conftest import issue_joint_rmp, job_row, pdf_url

pytestmark = pytest.mark.django_db


def run(job_id) -> str:
    """What the worker does with the job's message: the task's body, as the job's org."""
    job = job_row(job_id)
    with acting_as(job.organization):
        return job_execute(job_id=str(job_id))


def ask(client, org, version):
    response = client.post(pdf_url(org, version))
    assert response.status_code in (200, 202), response.content
    return response


def download(client, job: dict) -> bytes:
    response = client.get(job["result"]["download"])
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    return b"".join(response.streaming_content)


def text_of(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def version(world, lead, partner):
    with acting_as(world.own):
        Risk.objects.create(
            relationship=world.relationship,
            organization=world.own,
            visibility=Visibility.JOINT,
            title="Peak capacity shortfall",
            likelihood=4,
            impact=4,
        )
        Risk.objects.create(
            relationship=world.relationship,
            organization=world.own,
            visibility=Visibility.INTERNAL,
            title="Our own margin squeeze",
            likelihood=5,
            impact=5,
        )
    return issue_joint_rmp(
        world,
        lead,
        partner,
        {"purpose": "We distribute together.", "knowledge": "We share forecasts weekly."},
    )


def test_the_pdf_of_an_issued_version_is_made_once_and_handed_out_again(
    world, lead, partner, version, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        first = ask(lead.manager_api, world.own, version)
    assert first.status_code == 202
    job = first.json()
    assert job["state"] == "queued"
    assert job["progress"] == 0
    assert job["result"] is None
    assert first["Location"] == job["url"]
    assert len(queued) == 1  # sent to the queue once the request's transaction commits

    # A second click while it waits is the same job, not a second PDF.
    with django_capture_on_commit_callbacks() as again:
        assert ask(lead.manager_api, world.own, version).json()["id"] == job["id"]
    assert again == []

    assert run(job["id"]) == JobState.SUCCEEDED
    done = lead.manager_api.get(job["url"]).json()
    assert (done["state"], done["progress"], done["error"]) == ("succeeded", 100, None)
    pdf = download(lead.manager_api, done)
    assert pdf.startswith(b"%PDF-")
    assert hashlib.sha256(pdf).hexdigest() == done["result"]["sha256"]
    assert done["result"]["size"] == len(pdf)

    # Asked again: the kept file, at once, by a finished job; nothing is queued.
    with django_capture_on_commit_callbacks() as none:
        kept = ask(lead.ser_api, world.own, version)
    assert kept.status_code == 200
    assert none == []
    assert kept.json()["state"] == "succeeded"
    assert kept.json()["result"]["sha256"] == done["result"]["sha256"]
    assert download(lead.ser_api, kept.json()) == pdf
    assert DocumentPdf.objects.unscoped().filter(version=version).count() == 1

    # The partner's PDF is its own: made in its scope, kept for it.
    with django_capture_on_commit_callbacks():
        theirs = ask(partner.manager_api, world.partner, version).json()
    assert theirs["state"] == "queued"
    assert run(theirs["id"]) == JobState.SUCCEEDED
    assert DocumentPdf.objects.unscoped().filter(version=version).count() == 2


def test_the_pdf_holds_cover_contents_sections_summaries_and_the_approval_record(
    world, lead, partner, version, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        job = ask(lead.manager_api, world.own, version).json()
    run(job["id"])
    reader, text = text_of(download(lead.manager_api, lead.manager_api.get(job["url"]).json()))
    pages = len(reader.pages)
    assert pages >= 4
    flat = " ".join(text.split())
    # Cover: the relationship, the parties and their SERs, the version and its hash.
    assert world.relationship.name in flat
    assert lead.ser.user.full_name in flat
    assert partner.ser.user.full_name in flat
    assert version.content_hash in flat.replace(" ", "")
    # Header and footer on every page: the version and page X of Y.
    for number, page in enumerate(reader.pages, start=1):
        assert f"Page {number} of {pages}" in page.extract_text()
    assert "Version 1 · Issued" in flat
    # Contents with page numbers, every section, the summaries and the approval record.
    assert "Contents" in flat
    assert "Approval record" in flat
    for title in ("Purpose and scope", "Knowledge sharing and confidentiality"):
        assert title in flat
    assert "We share forecasts weekly." in flat
    assert "Summary: joint risks" in flat
    assert "Peak capacity shortfall" in flat
    # A joint document's summaries are joint: the lead's internal risk is not in it.
    assert "Our own margin squeeze" not in flat
    issued = DecisionRecord.objects.unscoped().get(
        gate_id=version.request_id, kind=RecordKind.VERSION_ISSUED
    )
    assert issued.hash in flat.replace(" ", "")
    # PDF/A-3u, with our fonts embedded.
    raw = reader.xmp_metadata.stream.get_data()
    assert b'pdfaid:part="3"' in raw
    assert b'pdfaid:conformance="U"' in raw
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendant = font.get("/DescendantFonts")
            descriptor = (descendant[0].get_object() if descendant else font).get("/FontDescriptor")
            assert descriptor is not None
            assert "/FontFile2" in descriptor.get_object()
            fonts.add(str(font["/BaseFont"]).split("+")[-1])
    assert fonts
    assert all(name.startswith("CBRMS-Sans") for name in fonts), fonts  # ours, not the system's


def test_who_may_ask_follow_and_download(
    world, lead, partner, version, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        job = ask(lead.manager_api, world.own, version).json()
    run(job["id"])
    job = lead.manager_api.get(job["url"]).json()
    own_jobs = f"/api/v1/orgs/{world.own.slug}/jobs/"

    # A viewer may ask for a PDF (it reads documents) and follows only their own jobs.
    viewer = api_client_for(world.member("own", Role.VIEWER))
    assert viewer.get(job["url"]).status_code == 404
    assert viewer.get(job["result"]["download"]).status_code == 404
    assert viewer.get(own_jobs).json()["results"] == []
    # An admin sees the organization's jobs.
    admin = api_client_for(world.member("own", Role.ADMIN))
    assert admin.get(job["url"]).status_code == 200
    assert [j["id"] for j in admin.get(own_jobs).json()["results"]] == [job["id"]]

    # Another organization, partner or stranger, reaches none of it, even under its own slug.
    for position in ("partner", "stranger"):
        other = api_client_for(world.member(position, Role.ADMIN))
        slug = world.org(position).slug
        for url in (job["url"], job["result"]["download"]):
            assert other.get(url).status_code == 404
            assert (
                other.get(url.replace(f"/orgs/{world.own.slug}/", f"/orgs/{slug}/")).status_code
                == 404
            )
        assert other.get(f"/api/v1/orgs/{slug}/jobs/").json()["results"] == []
    stranger = api_client_for(world.member("stranger", Role.ADMIN))
    assert stranger.post(pdf_url(world.stranger, version)).status_code == 404

    # The browser: the job's page and its file, for the requester only.
    browser = Client()
    browser.force_login(lead.manager.user)
    page = browser.get(f"/o/{world.own.slug}/jobs/{job['id']}/")
    assert page.status_code == 200
    assert "Download" in page.text
    assert browser.get(f"/o/{world.own.slug}/jobs/{job['id']}/download/").status_code == 200
    other = Client()
    other.force_login(world.member("own", Role.VIEWER).user)
    assert other.get(f"/o/{world.own.slug}/jobs/{job['id']}/").status_code == 404


def test_cancelling_a_queued_and_a_running_job(
    world, lead, partner, version, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        job = ask(lead.manager_api, world.own, version).json()
    cancelled = lead.manager_api.post(job["url"] + "cancel/")
    assert cancelled.status_code == 200
    assert cancelled.json()["state"] == "cancelled"
    assert run(job["id"]) == JobState.CANCELLED  # the message arrives after: nothing is made
    again = lead.manager_api.post(job["url"] + "cancel/")
    assert (again.status_code, again.json()["code"]) == (409, "job_finished")


def test_a_running_job_stops_when_cancelled_between_steps(
    world, lead, partner, version, django_capture_on_commit_callbacks
):
    """The cancellation arrives while the PDF is being made: the next progress report stops it
    and no result is kept."""
    with django_capture_on_commit_callbacks():
        job = ask(lead.manager_api, world.own, version).json()
    kind = registry.job_kind("document_pdf")

    def cancel_midway(run_):
        Job.objects.unscoped().filter(pk=run_.job.pk).update(cancel_requested=True)
        return kind.run(run_)

    registry._KINDS["document_pdf"] = registry.JobKind(
        kind.name, kind.label, cancel_midway, kind.still_visible
    )
    try:
        assert run(job["id"]) == JobState.CANCELLED
    finally:
        registry._KINDS["document_pdf"] = kind
    assert job_row(job["id"]).result_path == ""
    assert not DocumentPdf.objects.unscoped().filter(version=version).exists()


def test_a_job_whose_worker_keeps_dying_fails_instead_of_looping(
    world, lead, partner, version, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        job = ask(lead.manager_api, world.own, version).json()
    # Three workers claimed it and died (SIGKILL past the hard limit, out of memory).
    Job.objects.unscoped().filter(pk=job["id"]).update(state=JobState.RUNNING, attempt=3)
    assert run(job["id"]) == JobState.FAILED
    failed = lead.manager_api.get(job["url"]).json()
    assert failed["error"]["code"] == "worker_lost"
    assert "3 times" in failed["error"]["message"]


@pytest.mark.django_db(transaction=True)
def test_without_the_job_queue_the_request_answers_503_and_keeps_nothing(
    world, lead, partner, monkeypatch
):
    version = issue_joint_rmp(world, lead, partner)
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:9/1")  # nobody there
    response = lead.manager_api.post(pdf_url(world.own, version))
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "jobs_unavailable"
    assert "Nothing was queued" in body["message"]
    assert not Job.objects.unscoped().exists()
    # The browser says the same, next to the version, and keeps nothing either.
    browser = Client()
    browser.force_login(lead.manager.user)
    page = browser.post(
        f"/o/{world.own.slug}/documents/{version.document_id}/versions/1/pdf/", follow=True
    )
    assert "Nothing was queued" in page.text
    assert not Job.objects.unscoped().exists()
