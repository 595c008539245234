"""A maturity review's report as a PDF, made by a job: the same radar, trends and figures as
the report page, laid out by ``cbrms.pdf`` (our fonts, nothing fetched, PDF/A-3u)."""

from __future__ import annotations

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from cbrms.errors import Conflict
from cbrms.jobs.models import Job
from cbrms.jobs.registry import JobKind, register_job_kind
from cbrms.jobs.runs import JobOutput, JobRun
from cbrms.jobs.services import job_request
from cbrms.pdf import render_pdf, static_text
from governance.maturity import report_context, report_for
from governance.models import MaturityReview, ReviewStatus
from lifecycle.document_pdf import PDF_STYLESHEET
from relationships.models import Membership

JOB_KIND = "maturity_pdf"


def maturity_pdf_request(*, review: MaturityReview, membership: Membership) -> Job:
    """Ask for the PDF of a completed review's report, as the member's organization reads it."""
    if review.status != ReviewStatus.COMPLETED:
        raise Conflict(
            "The report is computed once every party has submitted or the deadline passed.",
            code="review_not_completed",
        )
    with transaction.atomic():
        return job_request(
            organization=membership.organization,
            user=membership.user,
            kind=JOB_KIND,
            title=f"{review.title} (PDF)",
            params={"review": review.pk},
        )


def _run(run: JobRun) -> JobOutput:
    review = MaturityReview.objects.select_related("relationship", "maturity_model").get(
        pk=run.params["review"]
    )
    report = report_for(review, run.organization)
    run.progress(10)
    context = {
        **report_context(review, report, run.organization),
        "generated_at": timezone.now(),
    }
    html = render_to_string("governance/pdf/maturity.html", context)
    run.progress(30)
    pdf = render_pdf(html, stylesheet=static_text(PDF_STYLESHEET))
    name = f"{slugify(review.relationship.name)[:60]}-maturity-review-{review.pk}.pdf"
    return run.output(
        path=f"jobs/{run.job.pk}/{name}", name=name, content_type="application/pdf", content=pdf
    )


def _still_visible(job: Job) -> bool:
    return MaturityReview.objects.filter(pk=job.params.get("review")).exists()


register_job_kind(
    JobKind(name=JOB_KIND, label="Maturity report PDF", run=_run, still_visible=_still_visible)
)
