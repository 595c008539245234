"""``relationships/{id}/surveys/``: trust and behaviour survey rounds, answered anonymously,
and their results once closed; ``.../activity/``: the workspace's activity feed."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from cbrms.api.pagination import CursorPagination
from cbrms.api.schema import CONFLICT
from cbrms.api.viewsets import CreateMixin, OrgViewSet
from cbrms.audit.models import AuditEvent
from cbrms.errors import Conflict
from cbrms.tenancy.api import write_action
from governance.activity import activity_events, describe
from governance.api.base import RELATIONSHIP
from governance.api.exports import ExportMixin
from governance.api.serializers import (
    SurveyOpenSerializer,
    SurveyResultsSerializer,
    SurveyRoundSerializer,
    SurveySubmitSerializer,
)
from governance.models import SurveyParticipation, SurveyRound
from governance.selectors import survey_results
from governance.services.surveys import survey_answer, survey_close, survey_open
from relationships.api.audit import AuditEventSerializer
from relationships.disclosure import request_disclosure
from relationships.models import Relationship
from relationships.roles import Capability


def result_rows(survey: SurveyRound) -> list[tuple]:
    """(party or "joint", indicator, answered, mean) per shown figure of a closed round."""
    results = survey_results(survey)
    if results is None:
        return []
    rows = []
    for party in results.parties:
        for item in party.indicators:
            rows.append((party.organization.slug, item.key, party.answered, item.mean))
    rows += [("joint", item.key, results.answered, item.mean) for item in results.joint]
    return rows


@extend_schema_view(
    list=extend_schema(
        summary="List survey rounds",
        description="Newest first. `answered_by_me` says whether you answered; nobody's answers "
        "are ever listed.",
    ),
    retrieve=extend_schema(summary="Get a survey round"),
    create=extend_schema(
        summary="Open a survey round",
        description="For the people of every active party, until `closes_at` (within 90 days). "
        "From stage 5 (`409 too_early`). The relationship's `survey_threshold` applies.",
        examples=[
            OpenApiExample(
                "Autumn round",
                value={"title": "Trust survey, autumn", "closes_at": "2026-12-15T17:00:00Z"},
                request_only=True,
            )
        ],
        responses={201: SurveyRoundSerializer, 409: CONFLICT},
    ),
    export=extend_schema(
        summary="Export the closed rounds' results as CSV",
        description="One row per shown figure: round, party (or `joint`), indicator, how many "
        "of the party's people answered, mean. Parties below a round's threshold, and open "
        "rounds, have no rows.",
    ),
)
class SurveyViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, CreateMixin, ExportMixin, OrgViewSet
):
    model = SurveyRound
    parent_lookups = RELATIONSHIP
    serializer_class = SurveyRoundSerializer
    input_serializers = {
        "create": SurveyOpenSerializer,
        "answer": SurveySubmitSerializer,
        "close": serializers.Serializer,
    }
    capabilities = {
        "list": Capability.REGISTERS_VIEW,
        "retrieve": Capability.REGISTERS_VIEW,
        "results": Capability.REGISTERS_VIEW,
        "export": Capability.REGISTERS_VIEW,
        "create": Capability.SURVEYS_RUN,
        "close": Capability.SURVEYS_RUN,
        "answer": Capability.SURVEYS_ANSWER,
    }
    export_filename = "survey-results.csv"

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "membership", None) is not None:
            context["answered_rounds"] = set(
                SurveyParticipation.objects.filter(membership=self.membership).values_list(
                    "round_id", flat=True
                )
            )
        return context

    def narrow_queryset(self, queryset):
        return queryset.select_related("organization")

    def create_object(self, serializer):
        return survey_open(
            relationship=self.get_parent("relationship"),
            membership=self.membership,
            **serializer.validated_data,
        )

    @extend_schema(
        summary="Answer a survey round",
        description="Every indicator of the round, scored 1 to 5, with an optional comment; "
        "once per person (`409 already_answered`), while the round is open (`409 "
        "survey_closed`). The answers are stored without you: only that you took part is "
        "kept, apart from them.",
        examples=[
            OpenApiExample(
                "Answers",
                value={
                    "answers": [
                        {"indicator": "openness", "score": 4, "comment": ""},
                        {"indicator": "reliability", "score": 3, "comment": "Late twice."},
                    ]
                },
                request_only=True,
            )
        ],
        responses={204: None, 409: CONFLICT},
    )
    @write_action(detail=True)
    def answer(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        answers = {}
        for item in serializer.validated_data["answers"]:
            if item["indicator"] in answers:
                raise Conflict("Each indicator once.", code="duplicate_indicator")
            answers[item["indicator"]] = (item["score"], item["comment"])
        self.write(
            survey_answer,
            visible=None,
            survey=self.get_object(),
            membership=self.membership,
            answers=answers,
        )
        return Response(status=204)

    @extend_schema(
        summary="Close a survey round now",
        description="The organization that opened it may; `409 survey_closed` if it is.",
        request=None,
        responses={200: SurveyRoundSerializer, 409: CONFLICT},
    )
    @write_action(detail=True)
    def close(self, request, *args, **kwargs):
        survey = self.write(survey_close, survey=self.get_object(), membership=self.membership)
        return Response(self.output(survey))

    @extend_schema(
        summary="A closed round's results",
        description="Per party, the mean and the spread of scores of each indicator and the "
        "comments, only when at least the round's `threshold` of its people answered "
        "(`shown: false` otherwise: not enough answers to show); the joint figures are over "
        "the parties shown. `409 survey_open` while the round is open.",
        responses={200: SurveyResultsSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["get"])
    def results(self, request, *args, **kwargs):
        survey = self.get_object()
        results = survey_results(survey)
        if results is None:
            raise Conflict(
                "Results show once the round is closed, so that nobody's answer can be "
                "told from how the figures moved.",
                code="survey_open",
            )
        context = {**self.get_serializer_context(), "relationship_id": survey.relationship_id}
        return Response(SurveyResultsSerializer(results, context=context).data)

    export_columns = (
        ("round", lambda r: r[0].pk),
        ("title", lambda r: r[0].title),
        ("closes_at", lambda r: r[0].closes_at.isoformat()),
        ("party", lambda r: r[1][0]),
        ("indicator", lambda r: r[1][1]),
        ("answered", lambda r: r[1][2]),
        ("mean", lambda r: r[1][3]),
    )

    def export_rows(self):
        """The shown figures of every closed round, oldest first (open rounds have none)."""
        rounds = self.get_queryset().order_by("closes_at", "id")
        return ((survey, row) for survey in rounds for row in result_rows(survey))


class ActivitySerializer(AuditEventSerializer):
    """An audit event of the workspace, with the sentence the browser shows."""

    summary = serializers.SerializerMethodField(help_text="Who did what, in words.")
    details = serializers.SerializerMethodField(help_text="What changed: `field: old → new`.")

    class Meta(AuditEventSerializer.Meta):
        fields = [*AuditEventSerializer.Meta.fields, "summary", "details"]
        read_only_fields = fields

    def _entry(self, event):
        return self.context["entries"][event.pk]

    def get_summary(self, event) -> str:
        return self._entry(event).sentence

    def get_details(self, event) -> list[str]:
        return self._entry(event).details


@extend_schema_view(
    list=extend_schema(
        summary="The workspace's activity feed",
        description="What changed in the relationship's registers, newest first, by whom: "
        "the audit trail's events you may read (joint rows, and your organization's own).",
    ),
)
class ActivityViewSet(mixins.ListModelMixin, OrgViewSet):
    model = AuditEvent
    serializer_class = ActivitySerializer
    pagination_class = CursorPagination
    filter_backends = []
    capabilities = {"list": Capability.REGISTERS_VIEW}

    def narrow_queryset(self, queryset):
        relationship = get_object_or_404(Relationship.objects, pk=self.kwargs["relationship"])
        return activity_events(relationship, queryset)

    def get_serializer(self, *args, **kwargs):
        if args and not kwargs.get("data"):
            events = list(args[0]) if kwargs.get("many") else [args[0]]
            entries = describe(
                events,
                organization=self.organization,
                disclosure=request_disclosure(self.request),
            )
            kwargs.setdefault("context", self.get_serializer_context())
            kwargs["context"]["entries"] = {e.event.pk: e for e in entries}
            args = (events if kwargs.get("many") else events[0], *args[1:])
        return super().get_serializer(*args, **kwargs)
