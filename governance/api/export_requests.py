"""``POST relationships/{id}/exports/``: a register, or everything the organization may see of
the relationship, exported by a job (``governance.api.export_jobs``)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers

from cbrms.api.serializers import InputSerializer
from cbrms.api.viewsets import OrgViewSet
from cbrms.jobs.api import QUEUE_DOWN, QUEUED_EXAMPLE, JobSerializer, job_response
from cbrms.jobs.models import Job
from cbrms.tenancy.api import writes
from governance.api.export_jobs import EVERYTHING, FORMATS, REGISTERS, export_request
from relationships.models import Relationship
from relationships.roles import Capability


class ExportRequestSerializer(InputSerializer):
    scope = serializers.ChoiceField(
        choices=[*REGISTERS, EVERYTHING],
        help_text="A register, or `relationship` for everything you may see of it.",
    )
    format = serializers.ChoiceField(
        choices=list(FORMATS),
        help_text="`csv` (one register), `xlsx` (a sheet per register) or `json`.",
    )


class ExportViewSet(OrgViewSet):
    """Exports of a relationship, each a job the organization follows under ``jobs/``."""

    model = Job
    serializer_class = JobSerializer
    input_serializers = {"create": ExportRequestSerializer}
    capabilities = {"create": Capability.REGISTERS_VIEW}

    @extend_schema(
        summary="Export a register, or the whole relationship (a job)",
        description=(
            "Exports what your organization may see, as it stands when the job runs: a register "
            "as CSV, Excel or JSON, with the columns of its `export/`; or `relationship`, "
            "everything of it (its parties, requirements and evidence, the decision ledger, the "
            "documents and their versions, every register) as JSON, or the registers as an "
            "Excel workbook with a sheet each. Follow the job at its `url`; its result is the "
            "file. Text a spreadsheet would run as a formula stays text. 503 `jobs_unavailable` "
            "when the job queue does not answer."
        ),
        request=ExportRequestSerializer,
        responses={202: JobSerializer, 503: QUEUE_DOWN},
        examples=[
            OpenApiExample(
                "Everything, as JSON",
                value={"scope": "relationship", "format": "json"},
                request_only=True,
            ),
            OpenApiExample(
                "Risks, in Excel", value={"scope": "risks", "format": "xlsx"}, request_only=True
            ),
            OpenApiExample(
                "Queued",
                value={
                    **QUEUED_EXAMPLE,
                    "kind": "relationship_export",
                    "title": "Risks of Northwind and Contoso (XLSX export)",
                },
                response_only=True,
                status_codes=["202"],
            ),
        ],
    )
    @writes
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        relationship = get_object_or_404(Relationship.objects, pk=self.kwargs["relationship"])
        job = self.write(
            export_request,
            relationship=relationship,
            membership=self.membership,
            **serializer.validated_data,
        )
        return job_response(self, job)
