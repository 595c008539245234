"""Evidence on requirements, and the one view that serves evidence files."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action

from cbrms.api.parsers import UPLOAD_PARSERS
from cbrms.api.viewsets import CreateMixin, DestroyMixin, OrgViewSet, UpdateMixin
from cbrms.errors import ValidationFailed
from lifecycle.api.serializers import (
    EvidenceCreateSerializer,
    EvidenceSerializer,
    EvidenceUpdateSerializer,
)
from lifecycle.api.views.progress import RELATIONSHIP
from lifecycle.downloads import evidence_file_response
from lifecycle.models import Evidence, EvidenceKind
from lifecycle.services.evidence import evidence_create, evidence_delete, evidence_update
from relationships.roles import Capability

NOTE_EXAMPLE = OpenApiExample(
    "A note",
    value={
        "requirement": 41,
        "kind": "note",
        "title": "SER appointment",
        "note": "The board appointed Dana Reyes as SER for this relationship on 3 March.",
    },
    request_only=True,
)

VERSION_EXAMPLE = OpenApiExample(
    "An issued version of the joint RMP",
    value={
        "requirement": 87,
        "kind": "document",
        "title": "Joint RMP version 2, as issued",
        "document_version": 14,
    },
    request_only=True,
)


class EvidenceFilterSet(filters.FilterSet):
    requirement = filters.NumberFilter()
    stage = filters.NumberFilter(field_name="requirement__stage")
    kind = filters.ChoiceFilter(choices=EvidenceKind.choices)

    class Meta:
        model = Evidence
        fields = ["requirement", "stage", "kind"]


@extend_schema_view(
    list=extend_schema(summary="List evidence"),
    retrieve=extend_schema(summary="Get evidence"),
    create=extend_schema(
        summary="Add evidence to a requirement",
        description=(
            "A note, a link or a file (multipart). Files: at most 20 MiB by default, of the "
            "types PDF, PNG, JPEG, Office/OpenDocument, text, CSV or Markdown; the content must "
            "match the extension. Evidence on an internal requirement stays internal.\n\n"
            "`kind: document` attaches an issued version of a controlled document "
            "(`document_version`), pinned to its hash and approved from the start: the joint "
            "RMP or the exit strategy on the joint requirements that ask for them, an internal "
            "RMP on its organization's own. `version_not_issued` (400): the version is in "
            "approval or rejected; `document_does_not_answer` (400): that document is not what "
            "the requirement asks for, or belongs to another relationship or audience."
        ),
        examples=[NOTE_EXAMPLE, VERSION_EXAMPLE],
    ),
    update=extend_schema(summary="Change evidence (all fields)"),
    partial_update=extend_schema(
        summary="Change evidence",
        description="New content raises the version and the content hash: a pending gate "
        "resting on it goes stale.",
    ),
    destroy=extend_schema(summary="Remove evidence"),
)
class EvidenceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    CreateMixin,
    UpdateMixin,
    DestroyMixin,
    OrgViewSet,
):
    """``relationships/{id}/evidence/``: documented information behind the requirements."""

    model = Evidence
    parent_lookups = RELATIONSHIP
    serializer_class = EvidenceSerializer
    input_serializers = {
        "create": EvidenceCreateSerializer,
        "update": EvidenceUpdateSerializer,
        "partial_update": EvidenceUpdateSerializer,
    }
    filterset_class = EvidenceFilterSet
    parser_classes = UPLOAD_PARSERS
    capabilities = {
        "list": Capability.LIFECYCLE_VIEW,
        "retrieve": Capability.LIFECYCLE_VIEW,
        "download": Capability.LIFECYCLE_VIEW,
        "create": Capability.EVIDENCE_MANAGE,
        "update": Capability.EVIDENCE_MANAGE,
        "partial_update": Capability.EVIDENCE_MANAGE,
        "destroy": Capability.EVIDENCE_MANAGE,
    }

    def narrow_queryset(self, queryset):
        return queryset.select_related(
            "organization", "owner__user", "owner__organization", "document_version__document"
        )

    def create_object(self, serializer):
        data = dict(serializer.validated_data)
        requirement = data.pop("requirement")
        if requirement.relationship_id != self.get_parent("relationship").pk:
            raise ValidationFailed(
                "That requirement belongs to another relationship.",
                fields={"requirement": ["Not a requirement of this relationship."]},
            )
        return evidence_create(requirement=requirement, membership=self.membership, **data)

    def update_object(self, serializer):
        return evidence_update(
            evidence=serializer.instance, membership=self.membership, **serializer.validated_data
        )

    def destroy_object(self, instance):
        evidence_delete(evidence=instance, membership=self.membership)

    @extend_schema(
        summary="Download an evidence file",
        description="Served as an attachment with the content type checked at upload.",
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    @action(detail=True, methods=["get"])
    def download(self, request, *args, **kwargs):
        return evidence_file_response(self.get_object())
