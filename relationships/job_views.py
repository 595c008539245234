"""Browser pages of jobs: the list of one's downloads, and a job's page, which follows the job
(HTMX polls its status while it runs; without JavaScript the page refreshes itself) and offers
the file once it is made."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from cbrms.errors import ApplicationError
from cbrms.files import stored_file_response
from cbrms.jobs.models import Job
from cbrms.jobs.registry import job_kinds
from cbrms.jobs.selectors import jobs_for
from cbrms.jobs.services import job_cancel, job_for_download
from relationships.permissions import capability_required
from relationships.roles import Capability

#: The element a job's page redraws while it follows the job.
STATUS_ID = "job-status"
JOBS_PER_PAGE = 50


def _job(request: HttpRequest, pk) -> Job:
    return get_object_or_404(jobs_for(request.membership), pk=pk)


@login_required
@require_GET
@capability_required(Capability.JOBS_VIEW)
def job_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    jobs = list(jobs_for(request.membership)[:JOBS_PER_PAGE])
    labels = {name: kind.label for name, kind in job_kinds().items()}
    for job in jobs:
        job.kind_label = labels.get(job.kind, job.kind)
    return render(request, "jobs/list.html", {"jobs": jobs, "limit": JOBS_PER_PAGE})


@login_required
@require_GET
@capability_required(Capability.JOBS_VIEW)
def job_page(request: HttpRequest, org_slug: str, pk) -> HttpResponse:
    """The job's page; its status block alone when HTMX polls it."""
    job = _job(request, pk)
    partial = bool(request.htmx) and request.htmx.target == STATUS_ID
    template = "jobs/_status.html" if partial else "jobs/page.html"
    response = render(request, template, {"job": job, "status_id": STATUS_ID})
    patch_vary_headers(response, ["HX-Request"])
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
@capability_required(Capability.JOBS_VIEW)
def job_download(request: HttpRequest, org_slug: str, pk) -> HttpResponse:
    try:
        job = job_for_download(_job(request, pk))
    except ApplicationError as error:
        if error.status_code == 404:
            raise Http404 from None
        messages.error(request, error.message)
        return redirect("job-page", org_slug=org_slug, pk=pk)
    return stored_file_response(
        job.result_path, filename=job.result_name, content_type=job.result_content_type
    )


@login_required
@require_POST
@capability_required(Capability.JOBS_VIEW)
def job_cancel_view(request: HttpRequest, org_slug: str, pk) -> HttpResponse:
    job = _job(request, pk)
    try:
        job_cancel(job=job, membership=request.membership)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The job is cancelled.")
    return redirect("job-page", org_slug=org_slug, pk=pk)
