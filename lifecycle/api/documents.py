"""Controlled documents in the API: ``documents/`` and their ``sections/``.

Sections are written with optimistic concurrency: a read answers an ``ETag`` (the section's
version), a write must send it back in ``If-Match`` (428 without it) and is refused with 412 and
the current section when someone saved in between.
"""

from __future__ import annotations

from functools import cached_property

from django.db.models import Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from cbrms.api.schema import CONFLICT, VALIDATION, error
from cbrms.api.serializers import InputSerializer
from cbrms.api.viewsets import CreateMixin, OrgViewSet
from cbrms.errors import PreconditionFailed, PreconditionRequired, ValidationFailed
from cbrms.jobs.api import JOB_EXAMPLE, QUEUE_DOWN, QUEUED_EXAMPLE, JobSerializer, job_response
from cbrms.tenancy.api import ScopedRelatedField, write_action, writes
from lifecycle.document_pdf import document_pdf_request
from lifecycle.models import Document, DocumentVersion, Section
from lifecycle.sections import DOCUMENTS, FIELD_KINDS, DocumentKind
from lifecycle.selectors.documents import (
    document_parties,
    editors_by_section,
    version_approvers,
    version_decisions,
    with_version_details,
)
from lifecycle.services.document_versions import (
    document_compare,
    version_decide,
    version_request,
)
from lifecycle.services.documents import (
    document_create,
    document_share,
    section_editing_clear,
    section_editing_mark,
    section_save,
)
from relationships.api.disclosure import (
    DisclosedMemberField,
    DisclosedOrganizationField,
    PersonSerializer,
)
from relationships.disclosure import request_disclosure
from relationships.models import Relationship
from relationships.roles import Capability

# --- serializers ---------------------------------------------------------------------------


class SectionSummarySerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()
    updated_by = DisclosedMemberField(membership_attr="updated_by")

    class Meta:
        model = Section
        fields = ["key", "title", "position", "version", "updated_at", "updated_by"]

    def get_title(self, section) -> str:
        spec = DOCUMENTS[section.document.kind].section(section.key)
        return spec.title if spec else section.key


class DocumentSerializer(serializers.ModelSerializer):
    relationship = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="Null for the organization's own documents."
    )
    organization = DisclosedOrganizationField(
        help_text="The owner: the lead for a joint document (a slug)."
    )
    sections = SectionSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Document
        fields = [
            "id",
            "kind",
            "title",
            "visibility",
            "relationship",
            "organization",
            "created_at",
            "updated_at",
            "sections",
        ]


class DocumentCreateSerializer(InputSerializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    relationship = ScopedRelatedField(
        model=Relationship,
        required=False,
        allow_null=True,
        help_text="The relationship; left out for the organization's own documents.",
    )
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)


class FieldSpecSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=FIELD_KINDS)
    choices = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    columns = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    help = serializers.CharField()


class EditingSerializer(serializers.Serializer):
    person = PersonSerializer(allow_null=True)
    until = serializers.DateTimeField()


class PartySummarySerializer(serializers.Serializer):
    organization = serializers.CharField(allow_null=True, help_text="Organization slug.")
    name = serializers.CharField()
    role = serializers.CharField()
    ser = PersonSerializer(allow_null=True)


def _person(disclosure, membership, relationship_id) -> dict | None:
    person = disclosure.person(membership, relationship_id) if membership else None
    return None if person is None else person.as_dict("id")


class SectionSerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()
    guidance = serializers.SerializerMethodField()
    structure = serializers.SerializerMethodField(
        help_text="The section's structured fields: what `fields` may hold."
    )
    updated_by = DisclosedMemberField(membership_attr="updated_by")
    editing = serializers.SerializerMethodField(
        help_text="Who else has this section open to edit right now (a hint, not a lock)."
    )
    parties = serializers.SerializerMethodField(
        help_text="For the parties section: the active parties and their SERs, read now."
    )

    class Meta:
        model = Section
        fields = [
            "key",
            "title",
            "guidance",
            "position",
            "version",
            "body",
            "body_html",
            "fields",
            "structure",
            "updated_at",
            "updated_by",
            "editing",
            "parties",
        ]

    def _spec(self, section):
        return DOCUMENTS[section.document.kind].section(section.key)

    def get_title(self, section) -> str:
        spec = self._spec(section)
        return spec.title if spec else section.key

    def get_guidance(self, section) -> str:
        spec = self._spec(section)
        return spec.guidance if spec else ""

    @extend_schema_field(FieldSpecSerializer(many=True))
    def get_structure(self, section) -> list[dict]:
        spec = self._spec(section)
        return [
            {
                "key": f.key,
                "label": f.label,
                "kind": f.kind,
                "choices": [list(c) for c in f.choices],
                "columns": [list(c) for c in f.columns],
                "help": f.help,
            }
            for f in (spec.fields if spec else ())
        ]

    @extend_schema_field(EditingSerializer(many=True))
    def get_editing(self, section) -> list[dict]:
        disclosure = request_disclosure(self.context["request"])
        return [
            {
                "person": _person(disclosure, mark.membership, section.relationship_id),
                "until": mark.expires_at,
            }
            for mark in self.context.get("editors", {}).get(section.pk, [])
        ]

    @extend_schema_field(PartySummarySerializer(many=True, allow_null=True))
    def get_parties(self, section) -> list[dict] | None:
        spec = self._spec(section)
        if spec is None or spec.computed != "parties" or section.relationship_id is None:
            return None
        disclosure = request_disclosure(self.context["request"])
        rows = []
        for party in document_parties(section.document.relationship):
            rows.append(
                {
                    "organization": disclosure.organization_slug(
                        party.organization, section.relationship_id
                    ),
                    "name": party.organization.name,
                    "role": party.role,
                    "ser": _person(disclosure, party.ser, section.relationship_id),
                }
            )
        return rows


class SectionUpdateSerializer(InputSerializer):
    body = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, help_text="Markdown."
    )
    fields = serializers.DictField(
        required=False, help_text="Structured fields to set, by key (see `structure`)."
    )


class VersionDecisionEntrySerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="`approved`, `rejected`, or the outcome.")
    person = PersonSerializer(allow_null=True)
    comment = serializers.CharField()
    at = serializers.DateTimeField()


class VersionApproverSerializer(serializers.Serializer):
    person = PersonSerializer(allow_null=True)
    pool = serializers.CharField()


class VersionSerializer(serializers.ModelSerializer):
    requested_by = DisclosedMemberField(membership_attr="requested_by")
    decisions = serializers.SerializerMethodField(
        help_text="Approvals, rejections and the outcome, from the ledger."
    )
    approvers = serializers.SerializerMethodField(help_text="The SERs the version waits for.")
    ledger_hash = serializers.CharField(
        source="request.hash",
        read_only=True,
        help_text="The hash of the ledger entry of the request.",
    )

    class Meta:
        model = DocumentVersion
        fields = [
            "id",
            "number",
            "status",
            "title",
            "content_hash",
            "ledger_hash",
            "requested_by",
            "requested_at",
            "decided_at",
            "approvers",
            "decisions",
            "sections",
        ]

    @extend_schema_field(VersionDecisionEntrySerializer(many=True))
    def get_decisions(self, version) -> list[dict]:
        disclosure = request_disclosure(self.context["request"])
        return [
            {
                "kind": entry.kind,
                "person": _person(disclosure, entry.actor, version.relationship_id),
                "comment": entry.text,
                "at": entry.created_at,
            }
            for entry in version_decisions(version)
        ]

    @extend_schema_field(VersionApproverSerializer(many=True))
    def get_approvers(self, version) -> list[dict]:
        disclosure = request_disclosure(self.context["request"])
        return [
            {
                "person": _person(disclosure, row.membership, version.relationship_id),
                "pool": row.pool,
            }
            for row in version_approvers(version)
        ]


class VersionRequestSerializer(InputSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class VersionDecisionSerializer(InputSerializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, help_text="Needed to reject."
    )


class SectionDiffSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    change = serializers.ChoiceField(choices=["unchanged", "changed", "added", "removed"])
    lines = serializers.ListField(child=serializers.DictField(), help_text='{"op", "text"}')
    fields = serializers.ListField(
        child=serializers.DictField(), help_text='{"key", "before", "after"}'
    )


class CompareSerializer(serializers.Serializer):
    before = serializers.CharField(help_text="A version number, or `draft`.")
    after = serializers.CharField(help_text="A version number, or `draft`.")
    sections = SectionDiffSerializer(many=True)


# --- views ---------------------------------------------------------------------------------


class DocumentFilterSet(filters.FilterSet):
    relationship = filters.NumberFilter()
    kind = filters.ChoiceFilter(choices=DocumentKind.choices)

    class Meta:
        model = Document
        fields = ["relationship", "kind"]


@extend_schema_view(
    list=extend_schema(
        summary="List documents",
        description="Your organization's own documents (the corporate RMP and the management "
        "system's), and the documents of the relationships you may see: your own internal ones "
        "and the joint ones.",
    ),
    retrieve=extend_schema(summary="Get a document, with a summary of its sections"),
    create=extend_schema(
        summary="Start a document",
        description=(
            "Its sections are made empty. `corporate_rmp`, and the management system's "
            "`ms_context`, `ms_stakeholders`, `ms_scope`, `ms_policy` and `ms_governance`: the "
            "organization's own (no relationship), issued by the SER of its management system. "
            "`internal_rmp` (from stage 1) and `exit_strategy` (from stage 2): "
            "your organization's, internal. `joint_rmp` (from stage 4) and `exit_evaluation` (in "
            "stage 8): started by the lead, joint. One of each per organization and relationship "
            "(409 `document_exists`)."
        ),
        examples=[
            OpenApiExample(
                "The joint RMP", value={"kind": "joint_rmp", "relationship": 1}, request_only=True
            )
        ],
        responses={201: DocumentSerializer, 409: CONFLICT},
    ),
)
class DocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CreateMixin, OrgViewSet):
    """``documents/``: relationship management plans and exit strategies."""

    model = Document
    serializer_class = DocumentSerializer
    input_serializers = {"create": DocumentCreateSerializer}
    filterset_class = DocumentFilterSet
    capabilities = {
        "list": Capability.DOCUMENTS_VIEW,
        "retrieve": Capability.DOCUMENTS_VIEW,
        "create": Capability.DOCUMENTS_START,
        "share": Capability.DOCUMENTS_START,
        "compare": Capability.DOCUMENTS_VIEW,
    }

    def narrow_queryset(self, queryset):
        sections = Section.objects.select_related("updated_by__user", "updated_by__organization")
        return queryset.select_related("organization").prefetch_related(
            Prefetch("sections", queryset=sections.order_by("position"))
        )

    def create_object(self, serializer):
        return document_create(
            organization=self.organization, membership=self.membership, **serializer.validated_data
        )

    def query_parameters(self) -> set[str]:
        return {"before", "after"} if self.action == "compare" else super().query_parameters()

    @extend_schema(
        summary="Compare two versions, section by section",
        description=(
            "`before` and `after` are version numbers, or `draft` for the sections as they "
            "stand now. Each section says whether it changed, its text line by line "
            "(`equal`, `insert`, `delete`) and its changed structured fields."
        ),
        parameters=[
            OpenApiParameter(
                "before",
                OpenApiTypes.STR,
                required=False,
                description="Default: the latest version (the draft when there is none).",
            ),
            OpenApiParameter(
                "after", OpenApiTypes.STR, required=False, description="Default `draft`."
            ),
        ],
        responses={200: CompareSerializer, 400: VALIDATION},
    )
    @action(detail=True, methods=["get"])
    def compare(self, request, *args, **kwargs):
        comparison = document_compare(
            document=self.get_object(),
            before=request.query_params.get("before"),
            after=request.query_params.get("after"),
        )
        body = {**vars(comparison), "sections": [vars(diff) for diff in comparison.sections]}
        return Response(CompareSerializer(body).data)

    @extend_schema(
        summary="Share the exit strategy with the partners",
        description="The lead's exit strategy joins the joint workspace (from stage 5): every "
        "active party then reads and edits it.",
        request=None,
        responses={200: DocumentSerializer, 409: CONFLICT},
    )
    @write_action(detail=True)
    def share(self, request, *args, **kwargs):
        document = self.write(
            document_share, document=self.get_object(), organization=self.organization
        )
        return Response(self.output(document))


def etag(section: Section) -> str:
    return f'"{section.version}"'


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description='The `ETag` of the section as you read it (its version, quoted: `"3"`).',
)
PRECONDITION_REQUIRED = error("No `If-Match` header (`precondition_required`).")


class StaleSectionSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="`stale_version`.")
    message = serializers.CharField()
    current_version = serializers.IntegerField()
    current = SectionSerializer(help_text="The section as it is now, to merge from.")


STALE = OpenApiResponse(
    response=StaleSectionSerializer,
    description=(
        "Someone saved the section since the version in `If-Match` (`stale_version`). Nothing "
        "was saved; `current` is the section as it is now, and the `ETag` its version."
    ),
)


@extend_schema_view(
    list=extend_schema(summary="A document's sections, in order"),
    retrieve=extend_schema(
        summary="Get a section",
        description="Answers the section's version as `ETag`: send it back in `If-Match` to write.",
    ),
)
class SectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    """``documents/{id}/sections/{key}/``."""

    model = Section
    parent_lookups = {"document": ("document", Document)}
    serializer_class = SectionSerializer
    input_serializers = {"partial_update": SectionUpdateSerializer}
    lookup_field = "key"
    lookup_value_regex = r"[a-z_]+"
    pagination_class = None  # a document has a dozen sections at most
    capabilities = {
        "list": Capability.DOCUMENTS_VIEW,
        "retrieve": Capability.DOCUMENTS_VIEW,
        "partial_update": Capability.DOCUMENTS_EDIT,
        "editing": Capability.DOCUMENTS_EDIT,
    }

    def narrow_queryset(self, queryset):
        return queryset.select_related(
            "document__relationship", "updated_by__user", "updated_by__organization"
        ).order_by("position")

    @cached_property
    def editors(self) -> dict:
        """Who else is editing the document's sections: one query for the whole document."""
        if getattr(self, "swagger_fake_view", False):  # schema generation: no document
            return {}
        sections = Section.objects.filter(document=self.get_parent("document")).values("id")
        return editors_by_section(sections, besides=self.request.membership)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "editors": self.editors}

    def retrieve(self, request, *args, **kwargs):
        section = self.get_object()
        return Response(self._data(section), headers={"ETag": etag(section)})

    def _expected_version(self, request) -> int:
        raw = request.headers.get("If-Match", "").strip()
        if not raw:
            raise PreconditionRequired(
                'Send the section\'s ETag in If-Match (for example If-Match: "3") so that a '
                "save never overwrites someone else's.",
                code="precondition_required",
            )
        value = raw.removeprefix("W/").strip('"')
        if not value.isdigit():
            raise ValidationFailed(
                'If-Match names one version, as the ETag gave it: "3".',
                code="invalid_if_match",
                fields={"If-Match": ["A quoted version number."]},
            )
        return int(value)

    @extend_schema(
        summary="Write a section",
        description=(
            "Markdown `body` and/or structured `fields` (by key; see `structure`); what is left "
            "out is kept. Needs `If-Match` with the version you read. Answers the saved section "
            "and its new `ETag`."
        ),
        parameters=[IF_MATCH],
        examples=[
            OpenApiExample(
                "Governance",
                value={
                    "body": "The joint management team meets **every two weeks**.",
                    "fields": {"meeting_cadence": "fortnightly"},
                },
                request_only=True,
            )
        ],
        responses={200: SectionSerializer, 409: CONFLICT, 412: STALE, 428: PRECONDITION_REQUIRED},
    )
    @writes
    def partial_update(self, request, *args, **kwargs):
        section = self.get_object()
        expected = self._expected_version(request)
        serializer = SectionUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            saved = self.write(
                section_save,
                section=section,
                membership=self.membership,
                expected_version=expected,
                **serializer.validated_data,
            )
        except PreconditionFailed as stale:
            current = self.get_queryset().get(pk=section.pk)
            stale.extra["current"] = self._data(current)
            stale.headers = {"ETag": etag(current)}
            raise
        saved = self.get_queryset().get(pk=saved.pk)
        return Response(self._data(saved), headers={"ETag": etag(saved)})

    def _data(self, section: Section) -> dict:
        return self.serializer_class(section, context=self.get_serializer_context()).data

    @extend_schema(
        summary="Say you are editing a section (POST), or that you stopped (DELETE)",
        description=(
            "Others then see you in the section's `editing` for about 90 seconds; send it again "
            "while the editor stays open. A hint for people, never a lock."
        ),
        request=None,
        responses={204: None},
    )
    @write_action(detail=True, methods=("post", "delete"))
    def editing(self, request, *args, **kwargs):
        section = self.get_object()
        if request.method == "DELETE":
            self.write(
                section_editing_clear, visible=None, section=section, membership=self.membership
            )
        else:
            self.write(section_editing_mark, section=section, membership=self.membership)
        return Response(status=204)


# --- versions --------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="A document's versions, oldest first"),
    retrieve=extend_schema(summary="Get a version, with its frozen sections"),
    create=extend_schema(
        summary="Ask the SERs to issue the document as it stands",
        description=(
            "Freezes the sections (with their SHA-256) and records the request in the ledger. "
            "Joint documents wait for the SER of every active party, an organization's own "
            "document for its SER. One version in approval at a time (409 `version_pending`)."
        ),
        examples=[
            OpenApiExample(
                "Issue", value={"reason": "Agreed at the joint team meeting."}, request_only=True
            )
        ],
        responses={201: VersionSerializer, 409: CONFLICT},
    ),
)
class VersionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CreateMixin, OrgViewSet):
    """``documents/{id}/versions/{number}/``: issued versions, and those in approval."""

    model = DocumentVersion
    parent_lookups = {"document": ("document", Document)}
    serializer_class = VersionSerializer
    input_serializers = {
        "create": VersionRequestSerializer,
        "approve": VersionDecisionSerializer,
        "reject": VersionDecisionSerializer,
    }
    lookup_field = "number"
    lookup_value_regex = r"[0-9]+"
    pagination_class = None  # a document's versions are few; each is read whole
    capabilities = {
        "list": Capability.DOCUMENTS_VIEW,
        "retrieve": Capability.DOCUMENTS_VIEW,
        "create": Capability.DOCUMENTS_ISSUE,
        "approve": Capability.GATES_DECIDE,
        "reject": Capability.GATES_DECIDE,
        "pdf": Capability.DOCUMENTS_VIEW,
    }

    def narrow_queryset(self, queryset):
        return with_version_details(queryset).select_related(
            "requested_by__user", "requested_by__organization"
        )

    def create_object(self, serializer):
        return version_request(
            document=self.get_parent("document"),
            requested_by=self.membership,
            reason=serializer.validated_data.get("reason", ""),
        )

    def _decide(self, request, approve: bool):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = self.write(
            version_decide,
            version=self.get_object(),
            approver=self.membership,
            approve=approve,
            comment=serializer.validated_data.get("comment", ""),
        )
        return Response(self.output(version))

    @extend_schema(
        summary="Approve a version (its SERs)",
        responses={200: VersionSerializer, 403: error("Not one of its SERs."), 409: CONFLICT},
    )
    @write_action(detail=True)
    def approve(self, request, *args, **kwargs):
        return self._decide(request, approve=True)

    @extend_schema(
        summary="Reject a version (its SERs), saying why",
        responses={200: VersionSerializer, 403: error("Not one of its SERs."), 409: CONFLICT},
    )
    @write_action(detail=True)
    def reject(self, request, *args, **kwargs):
        return self._decide(request, approve=False)

    @extend_schema(
        summary="Ask for the version's PDF (a job)",
        description=(
            "Makes the PDF in the background: follow the job at its `url` until it succeeds, "
            "then `GET` its `result.download`. An issued version's PDF is made once per "
            "organization and kept: asking again answers `200` with a finished job whose result "
            "is that same file. A version in approval or rejected is made afresh each time "
            "(`202`), marked as not issued. The PDF holds the cover with the parties and their "
            "SERs, the contents with page numbers, every section, summaries of the registers "
            "(joint records only for a joint document) and the approval record with its ledger "
            "hashes. 503 `jobs_unavailable` when the job queue does not answer: nothing is kept."
        ),
        request=None,
        responses={
            200: OpenApiResponse(JobSerializer, description="The kept PDF: a finished job."),
            202: OpenApiResponse(JobSerializer, description="Queued (or already queued)."),
            503: QUEUE_DOWN,
        },
        examples=[
            OpenApiExample(
                "Queued", value=QUEUED_EXAMPLE, response_only=True, status_codes=["202"]
            ),
            OpenApiExample("Kept", value=JOB_EXAMPLE, response_only=True, status_codes=["200"]),
        ],
    )
    @write_action(detail=True)
    def pdf(self, request, *args, **kwargs):
        job = self.write(
            document_pdf_request, version=self.get_object(), membership=self.membership
        )
        return job_response(self, job)
