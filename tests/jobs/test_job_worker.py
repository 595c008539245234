"""Jobs on a real Celery worker, in a process of its own: the PDF from request to download, a
hostile document ending within its time limit, and a worker killed with SIGKILL in the middle
of a PDF, whose job is then completed once, with one stored file."""

from __future__ import annotations

import time

import pytest

from cbrms.jobs.models import Job, JobState
from lifecycle.models import DocumentPdf, DocumentVersion, VersionStatus
from relationships.models import Role, Visibility
from tests.conftest import api_client_for
from tests.factories import MembershipFactory
from tests.governance.test_maturity_reviews import (
    answer_all,
    at_stage,
    open_review,
    reviews_url,
    submit,
)
from tests.jobs.conftest import (
    issue_joint_rmp,
    job_row,
    pdf_url,
    stored_files,
    wait_for,
)
from tests.jobs.test_pdf_safety import hostile_html

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def table_html(rows: int) -> str:
    """A section long enough to take the renderer a while (about 4 ms a row)."""
    body = "".join(f"<tr><td>{i}</td><td>Delivery line {i}</td></tr>" for i in range(rows))
    return f"<table>{body}</table>"


def version_with(
    issued: DocumentVersion, number: int, body_html: str, status=VersionStatus.REJECTED
):
    """Another version of ``issued``'s document whose section holds ``body_html`` as it is,
    past the sanitizer: what the renderer must hold up against on its own."""
    return DocumentVersion.objects.unscoped().create(
        document=issued.document,
        relationship=issued.relationship,
        organization=issued.organization,
        visibility=Visibility.JOINT,
        number=number,
        status=status,
        title=issued.title,
        sections=[
            {
                "key": "purpose",
                "title": "Purpose and scope",
                "body": "",
                "body_html": body_html,
                "fields": {},
                "version": 1,
            }
        ],
        content_hash="0" * 64,
    )


def follow(client, job: dict, timeout: float = 60) -> tuple[dict, list[tuple[str, int]]]:
    """Poll the job as a client would, until it has finished; every (state, progress) seen."""
    seen: list[tuple[str, int]] = []

    def finished():
        body = client.get(job["url"]).json()
        if not seen or seen[-1] != (body["state"], body["progress"]):
            seen.append((body["state"], body["progress"]))
        return body if body["state"] in ("succeeded", "failed", "cancelled") else None

    body = wait_for(finished, timeout, step=0.05)
    assert body, f"the job did not finish in {timeout} s: {seen}"
    return body, seen


def test_a_worker_makes_the_pdf_the_api_asked_for(world, lead, partner, worker_processes):
    version = issue_joint_rmp(world, lead, partner, {"purpose": table_html(150)})
    worker_processes()
    asked = lead.manager_api.post(pdf_url(world.own, version))
    assert asked.status_code == 202, asked.content
    done, seen = follow(lead.manager_api, asked.json())
    assert done["state"] == "succeeded", done
    assert seen[-1] == ("succeeded", 100)
    assert any(state == "running" for state, _ in seen) or len(seen) == 1
    pdf = lead.manager_api.get(done["result"]["download"])
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    assert DocumentPdf.objects.unscoped().filter(version=version).count() == 1
    assert job_row(done["id"]).attempt == 1


def test_a_hostile_document_fetches_nothing_and_ends_within_its_time_limit(
    world, lead, partner, worker_processes, trap, secret_file
):
    port, hits = trap
    issued = issue_joint_rmp(world, lead, partner)
    fetching = version_with(issued, 2, hostile_html(port, secret_file))
    huge = version_with(
        issued,
        3,
        '<div style="width: 1e30px; height: 1e30px; font-size: 1e20px; margin: 1e25px">huge</div>'
        '<p style="letter-spacing: 1e9px; column-count: 100000">wide</p>',
    )
    endless = version_with(issued, 4, table_html(3000))  # about 12 s to lay out
    worker_processes(
        CBRMS_JOB_SOFT_TIME_LIMIT="3",
        CBRMS_JOB_TIME_LIMIT="6",
        CBRMS_BROKER_VISIBILITY_TIMEOUT="12",
    )
    jobs = {}
    for name, version in (("fetching", fetching), ("huge", huge), ("endless", endless)):
        response = lead.manager_api.post(pdf_url(world.own, version))
        assert response.status_code == 202, response.content
        jobs[name] = response.json()

    done, _ = follow(lead.manager_api, jobs["fetching"])
    assert done["state"] == "succeeded"
    assert hits == []
    pdf = b"".join(lead.manager_api.get(done["result"]["download"]).streaming_content)
    assert b"/EmbeddedFile" not in pdf

    done, _ = follow(lead.manager_api, jobs["huge"])
    assert done["state"] in ("succeeded", "failed")  # laid out, or refused cleanly

    started = time.monotonic()
    done, _ = follow(lead.manager_api, jobs["endless"], timeout=30)
    row = job_row(done["id"])
    assert done["state"] == "failed", (row.attempt, str(row.finished_at - row.started_at))
    assert done["error"]["code"] == "time_limit", done
    assert "3 seconds" in done["error"]["message"]
    row = job_row(done["id"])
    assert (row.finished_at - row.started_at).total_seconds() < 6
    assert time.monotonic() - started < 20
    assert hits == []


def test_a_worker_killed_in_the_middle_of_a_pdf_is_replaced_and_the_job_done_once(
    world, lead, partner, worker_processes
):
    # The message comes back once the visibility timeout has passed: kept short here.
    limits = {
        "CBRMS_JOB_SOFT_TIME_LIMIT": "8",
        "CBRMS_JOB_TIME_LIMIT": "10",
        "CBRMS_BROKER_VISIBILITY_TIMEOUT": "12",
    }
    version = issue_joint_rmp(world, lead, partner, {"purpose": table_html(700)})
    first = worker_processes(**limits)
    asked = lead.manager_api.post(pdf_url(world.own, version))
    assert asked.status_code == 202
    job_id = asked.json()["id"]

    running = wait_for(lambda: job_row(job_id).state == JobState.RUNNING, timeout=60, step=0.02)
    assert running, job_row(job_id).state
    time.sleep(0.5)  # into the layout
    first.kill()
    killed = job_row(job_id)
    assert (killed.state, killed.attempt) == (JobState.RUNNING, 1)  # died in the middle
    assert not DocumentPdf.objects.unscoped().filter(version=version).exists()

    # A new worker takes the message once the dead one's is visible again, and finishes it.
    worker_processes(**limits)
    done, _ = follow(lead.manager_api, asked.json(), timeout=90)
    assert done["state"] == "succeeded", done
    row = job_row(job_id)
    assert row.attempt == 2
    pdfs = DocumentPdf.objects.unscoped().filter(version=version)
    assert pdfs.count() == 1
    files = stored_files(f"documents/{world.own.pk}/{version.pk}")
    assert [str(f).endswith(pdfs.get().path) for f in files] == [True]
    time.sleep(1)  # a second run would show now
    assert job_row(job_id).attempt == 2


def test_a_worker_computes_a_maturity_review_once_both_sides_submitted(world, worker_processes):
    """The review end to end through the API, the report computed by the worker process."""
    at_stage(world.relationship, 5)
    people = {
        position: [
            MembershipFactory(organization=world.org(position), role=Role.CONTRIBUTOR)
            for _ in range(2)
        ]
        for position in ("own", "partner")
    }
    worker_processes()
    review = open_review(world)
    answer_all(world, people, review)
    assert submit(world, "own", review).status_code == 200
    assert submit(world, "partner", review).status_code == 200
    client = api_client_for(world.member("partner", Role.VIEWER))
    url = reviews_url(world.partner, world.relationship, f"{review['id']}/")
    done = wait_for(lambda: client.get(url).json()["status"] == "completed", timeout=60)
    assert done, client.get(url).json()
    report = client.get(url + "report/").json()
    trust = next(p for p in report["principles"] if p["key"] == "trust")
    assert trust["gap"] == 3.0
    assert Job.objects.unscoped().filter(kind="maturity_review").count() == 1
