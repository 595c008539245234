"""Controlled documents in the API: ``documents/`` and their ``sections/``.

Sections are written with optimistic concurrency: a read answers an ``ETag`` (the section's
version), a write must send it back in ``If-Match`` (428 without it) and is refused with 412 and
the current section when someone saved in between.
"""

from __future__ import annotations

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
from rest_framework.response import Response

from cbrms.api.schema import CONFLICT, error
from cbrms.api.serializers import InputSerializer
from cbrms.api.viewsets import CreateMixin, OrgViewSet
from cbrms.errors import PreconditionFailed, PreconditionRequired, ValidationFailed
from cbrms.tenancy.api import ScopedRelatedField, write_action, writes
from lifecycle.models import Document, Section
from lifecycle.sections import DOCUMENTS, FIELD_KINDS, DocumentKind
from lifecycle.selectors.documents import document_parties, editors_by_section
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
        read_only=True, help_text="Null for the corporate RMP."
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
        help_text="The relationship; left out for the corporate RMP.",
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
        description="The corporate RMP, and the documents of the relationships you may see: "
        "your own internal ones and the joint ones.",
    ),
    retrieve=extend_schema(summary="Get a document, with a summary of its sections"),
    create=extend_schema(
        summary="Start a document",
        description=(
            "Its sections are made empty. `corporate_rmp`: the organization's own (no "
            "relationship). `internal_rmp` (from stage 1) and `exit_strategy` (from stage 2): "
            "your organization's, internal. `joint_rmp` (from stage 4): started by the lead, "
            "joint. One of each per organization and relationship (409 `document_exists`)."
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

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if "editors" not in self.__dict__ and self.request is not None and self.kwargs:
            ids = Section.objects.filter(document=self.get_parent("document")).values_list(
                "id", flat=True
            )
            self.__dict__["editors"] = editors_by_section(ids, besides=self.request.membership)
        context["editors"] = self.__dict__.get("editors", {})
        return context

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
