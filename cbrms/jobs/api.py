"""``/api/v1/orgs/{org}/jobs/``: follow a job, cancel it, download what it made."""

from __future__ import annotations

from django.urls import reverse
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from cbrms.api.schema import CONFLICT, error
from cbrms.api.viewsets import OrgViewSet
from cbrms.files import stored_file_response
from cbrms.jobs.models import Job, JobState
from cbrms.jobs.selectors import followed_by
from cbrms.jobs.services import job_cancel, job_for_download
from cbrms.tenancy.api import write_action

_EXAMPLE_ID = "7d7f5a3e-2f43-4c55-9d1b-4a3f0c8e2b61"


class JobErrorSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="`time_limit`, `worker_lost`, `job_error`, or the code of what refused it."
    )
    message = serializers.CharField()


class JobResultSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The file's name, as downloaded.")
    content_type = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes.")
    sha256 = serializers.CharField()
    download = serializers.URLField(help_text="`GET` it to download the file.")


class JobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    page = serializers.SerializerMethodField(help_text="The job's page in the browser.")
    error = serializers.SerializerMethodField()
    result = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "url",
            "page",
            "kind",
            "title",
            "state",
            "progress",
            "created_at",
            "started_at",
            "finished_at",
            "cancel_requested",
            "error",
            "result",
        ]
        read_only_fields = fields

    def _slug(self) -> str:
        return self.context["request"].organization.slug

    def get_url(self, job) -> str:
        path = reverse("job-detail", kwargs={"org_slug": self._slug(), "pk": job.pk})
        return self.context["request"].build_absolute_uri(path)

    def get_page(self, job) -> str:
        path = reverse("job-page", kwargs={"org_slug": self._slug(), "pk": job.pk})
        return self.context["request"].build_absolute_uri(path)

    @extend_schema_field(JobErrorSerializer(allow_null=True))
    def get_error(self, job) -> dict | None:
        if job.state != JobState.FAILED:
            return None
        return {"code": job.error_code, "message": job.error_message}

    @extend_schema_field(JobResultSerializer(allow_null=True))
    def get_result(self, job) -> dict | None:
        if job.state != JobState.SUCCEEDED:
            return None
        path = reverse("job-download", kwargs={"org_slug": self._slug(), "pk": job.pk})
        return {
            "name": job.result_name,
            "content_type": job.result_content_type,
            "size": job.result_size,
            "sha256": job.result_sha256,
            "download": self.context["request"].build_absolute_uri(path),
        }


#: A job as the API shows it, finished (examples of the schema).
JOB_EXAMPLE = {
    "id": _EXAMPLE_ID,
    "url": f"https://cbrms.example/api/v1/orgs/northwind/jobs/{_EXAMPLE_ID}/",
    "page": f"https://cbrms.example/o/northwind/jobs/{_EXAMPLE_ID}/",
    "kind": "document_pdf",
    "title": "Joint relationship management plan, version 2 (PDF)",
    "state": "succeeded",
    "progress": 100,
    "created_at": "2026-11-27T09:30:00Z",
    "started_at": "2026-11-27T09:30:01Z",
    "finished_at": "2026-11-27T09:30:04Z",
    "cancel_requested": False,
    "error": None,
    "result": {
        "name": "northwind-contoso-joint-rmp-v2.pdf",
        "content_type": "application/pdf",
        "size": 84211,
        "sha256": "9f2c0d6e0a4b8c1e3f5a7b9d1c3e5f7a9b1d3f5e7a9c1e3f5a7b9d1f3e5a7c9e",
        "download": f"https://cbrms.example/api/v1/orgs/northwind/jobs/{_EXAMPLE_ID}/download/",
    },
}
QUEUED_EXAMPLE = {
    **JOB_EXAMPLE,
    "state": "queued",
    "progress": 0,
    "started_at": None,
    "finished_at": None,
    "result": None,
}
RUNNING_EXAMPLE = {
    **JOB_EXAMPLE,
    "state": "running",
    "progress": 40,
    "finished_at": None,
    "result": None,
}
QUEUE_DOWN = error(
    "The job queue does not answer (`jobs_unavailable`): nothing was queued or kept; try again."
)


def job_response(view, job: Job) -> Response:
    """How an action that asks for a job answers: the job, ``202`` while it is to run (``200``
    when it had nothing to do, its result being kept), and ``Location`` to follow it."""
    body = JobSerializer(job, context=view.get_serializer_context()).data
    code = status.HTTP_200_OK if job.is_finished else status.HTTP_202_ACCEPTED
    return Response(body, status=code, headers={"Location": body["url"]})


class JobFilterSet(filters.FilterSet):
    state = filters.ChoiceFilter(choices=JobState.choices)
    kind = filters.CharFilter()

    class Meta:
        model = Job
        fields = ["state", "kind"]


@extend_schema_view(
    list=extend_schema(
        summary="Your jobs, newest first (an admin sees the organization's)",
        examples=[OpenApiExample("A job", value=JOB_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Follow a job: its state, progress, error or result",
        description=(
            "Poll this until `state` is `succeeded` (then `result.download` serves the file), "
            "`failed` (then `error` says why) or `cancelled`."
        ),
        examples=[
            OpenApiExample("Running", value=RUNNING_EXAMPLE, response_only=True),
            OpenApiExample("Done", value=JOB_EXAMPLE, response_only=True),
        ],
    ),
)
class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    """Jobs of the acting organization: a member follows the jobs they asked for."""

    model = Job
    serializer_class = JobSerializer
    filterset_class = JobFilterSet
    lookup_value_regex = "[0-9a-f-]{36}"
    capabilities = {
        "list": "jobs.view",
        "retrieve": "jobs.view",
        "download": "jobs.view",
        "cancel": "jobs.view",
    }

    def narrow_queryset(self, queryset):
        return followed_by(queryset, self.membership)

    @extend_schema(
        summary="Download what the job made",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                description="The file, as an attachment, with its own content type."
            ),
            409: error("The job has not succeeded (`job_not_finished`)."),
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request, *args, **kwargs):
        job = job_for_download(self.get_object())
        return stored_file_response(
            job.result_path, filename=job.result_name, content_type=job.result_content_type
        )

    @extend_schema(
        summary="Cancel a job",
        description=(
            "A queued job is cancelled at once; a running one stops at its next step "
            "(`cancel_requested` is true until it has). A finished job answers 409 `job_finished`."
        ),
        request=None,
        responses={200: JobSerializer, 409: CONFLICT},
        examples=[
            OpenApiExample(
                "Stopping",
                value={**RUNNING_EXAMPLE, "cancel_requested": True},
                response_only=True,
            )
        ],
    )
    @write_action(detail=True)
    def cancel(self, request, *args, **kwargs):
        job = self.write(job_cancel, job=self.get_object(), membership=self.membership)
        return Response(self.output(job))
