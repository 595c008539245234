"""``relationships/{id}/maturity-reviews/``: open a review, answer it, submit a party's side,
read the report, and ask for its PDF (``governance.maturity`` has the rules)."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from cbrms.api.schema import CONFLICT
from cbrms.api.serializers import InputSerializer
from cbrms.api.viewsets import CreateMixin, OrgViewSet
from cbrms.errors import Conflict
from cbrms.jobs.api import QUEUE_DOWN, QUEUED_EXAMPLE, JobSerializer, job_response
from cbrms.tenancy.api import write_action
from governance.api.base import RELATIONSHIP
from governance.maturity import (
    report_for,
    review_answer,
    review_open,
    review_submit,
)
from governance.maturity_pdf import maturity_pdf_request
from governance.models import MaturityAnswer, MaturityPrinciple, MaturityReview, MaturitySubmission
from relationships.roles import Capability


class PrincipleSerializer(serializers.ModelSerializer):
    class Meta:
        model = MaturityPrinciple
        fields = ["key", "title", "question", "levels"]
        read_only_fields = fields


class MaturityReviewSerializer(serializers.ModelSerializer):
    model = serializers.SerializerMethodField(help_text="The maturity model and its version.")
    is_open = serializers.BooleanField(read_only=True)
    my_side = serializers.SerializerMethodField(
        help_text="Your organization's side: how many of its people answered, whether you did, "
        "whether it has submitted. Nobody else's answers are ever shown."
    )

    class Meta:
        model = MaturityReview
        fields = [
            "id",
            "relationship",
            "title",
            "status",
            "is_open",
            "scheduled",
            "model",
            "opened_at",
            "closes_at",
            "unsealed_at",
            "completed_at",
            "my_side",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField())
    def get_model(self, review) -> dict:
        model = review.maturity_model
        return {"key": model.key, "version": model.version, "title": model.title}

    @extend_schema_field(serializers.DictField())
    def get_my_side(self, review) -> dict:
        side = self.context.get("my_side", {}).get(review.pk, {})
        return {
            "respondents": side.get("respondents", 0),
            "answered_by_me": side.get("mine", False),
            "submitted": side.get("submitted", False),
        }


class MaturityReviewDetailSerializer(MaturityReviewSerializer):
    principles = serializers.SerializerMethodField(
        help_text="What is rated: each principle's question and what each level 1-5 looks like."
    )

    class Meta(MaturityReviewSerializer.Meta):
        fields = [*MaturityReviewSerializer.Meta.fields, "principles"]
        read_only_fields = fields

    @extend_schema_field(PrincipleSerializer(many=True))
    def get_principles(self, review) -> list[dict]:
        principles = MaturityPrinciple.objects.filter(model_id=review.maturity_model_id)
        return PrincipleSerializer(principles.order_by("position"), many=True).data


class ReviewOpenSerializer(InputSerializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    closes_at = serializers.DateTimeField(
        required=False, help_text="When answers close; in 14 days if left out."
    )


class AnswerSerializer(InputSerializer):
    principle = serializers.CharField(max_length=40)
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ReviewAnswerSerializer(InputSerializer):
    answers = AnswerSerializer(many=True, allow_empty=False, max_length=50)


class PartyFigureSerializer(serializers.Serializer):
    median = serializers.FloatField()
    low = serializers.IntegerField()
    high = serializers.IntegerField()
    respondents = serializers.IntegerField()
    comments = serializers.ListField(child=serializers.CharField())


class ReportPrincipleSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    parties = serializers.DictField(
        child=PartyFigureSerializer(), help_text="Organization id -> its figures."
    )
    joint = serializers.FloatField(allow_null=True)
    gap = serializers.FloatField(allow_null=True, help_text="Highest party median - lowest.")
    trend = serializers.FloatField(allow_null=True, help_text="Joint score - the last review's.")
    previous = serializers.ListField(child=serializers.DictField())
    actions = serializers.ListField(child=serializers.CharField())
    distribution = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Ecosystems: how many members' medians sit at each level 1-5.",
    )
    outliers = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="Ecosystems, the orchestrator only: members far from the ecosystem's median.",
    )


class ReportSerializer(serializers.Serializer):
    review = serializers.IntegerField()
    model = serializers.DictField()
    ecosystem = serializers.BooleanField()
    computed_at = serializers.DateTimeField()
    parties = serializers.ListField(child=serializers.DictField())
    principles = ReportPrincipleSerializer(many=True)
    weakest = serializers.ListField(child=serializers.CharField())
    widest_gaps = serializers.ListField(child=serializers.CharField())
    non_responders = serializers.ListField(child=serializers.IntegerField())


REVIEW_EXAMPLE = {"title": "Maturity review, Q4", "closes_at": "2026-12-18T17:00:00Z"}
REVIEW_RESPONSE = {
    "id": 4,
    "relationship": 1,
    "title": "Maturity review, Q4",
    "status": "open",
    "is_open": True,
    "scheduled": False,
    "model": {
        "key": "principles",
        "version": "2026.1",
        "title": "Maturity of a collaborative relationship: the 12 principles",
    },
    "opened_at": "2026-12-04T09:00:00Z",
    "closes_at": "2026-12-18T17:00:00Z",
    "unsealed_at": None,
    "completed_at": None,
    "my_side": {"respondents": 2, "answered_by_me": True, "submitted": False},
}
REPORT_EXAMPLE = {
    "review": 4,
    "model": {"key": "principles", "version": "2026.1", "title": "...", "levels": {"1": "Ad hoc"}},
    "ecosystem": False,
    "computed_at": "2026-12-18T17:01:12Z",
    "parties": [
        {
            "organization": 1,
            "name": "Northwind Traders",
            "lead": True,
            "respondents": 3,
            "submitted": True,
        },
        {
            "organization": 2,
            "name": "Contoso Ltd",
            "lead": False,
            "respondents": 3,
            "submitted": True,
        },
    ],
    "principles": [
        {
            "key": "trust",
            "title": "Trust and commitment to mutual benefit",
            "parties": {
                "1": {
                    "median": 5.0,
                    "low": 4,
                    "high": 5,
                    "respondents": 3,
                    "comments": ["Problems come up early."],
                },
                "2": {"median": 3.0, "low": 2, "high": 4, "respondents": 3, "comments": []},
            },
            "joint": 4.0,
            "gap": 2.0,
            "trend": 1.0,
            "previous": [
                {
                    "review": 2,
                    "title": "Maturity review, Q2",
                    "opened_at": "2026-06-01T09:00:00Z",
                    "joint": 3.0,
                }
            ],
            "actions": ["Run a short trust survey on both sides and discuss the results together."],
        }
    ],
    "weakest": ["risk_management"],
    "widest_gaps": ["trust"],
    "non_responders": [],
}


@extend_schema_view(
    list=extend_schema(
        summary="List maturity reviews",
        description="Newest first.",
        examples=[OpenApiExample("A review", value=REVIEW_RESPONSE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Get a maturity review, with what is rated",
        responses=MaturityReviewDetailSerializer,
    ),
    create=extend_schema(
        summary="Open a maturity review (the lead)",
        description=(
            "For the people of every active party, until every party has submitted its side or "
            "`closes_at` has passed. From stage 5 (`409 too_early`); one open at a time "
            "(`409 review_open`). Relationships in stage 7 also get one on a schedule."
        ),
        examples=[OpenApiExample("Quarterly review", value=REVIEW_EXAMPLE, request_only=True)],
        responses={201: MaturityReviewSerializer, 409: CONFLICT},
    ),
)
class MaturityReviewViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, CreateMixin, OrgViewSet
):
    model = MaturityReview
    parent_lookups = RELATIONSHIP
    serializer_class = MaturityReviewSerializer
    input_serializers = {
        "create": ReviewOpenSerializer,
        "answer": ReviewAnswerSerializer,
        "submit": serializers.Serializer,
    }
    capabilities = {
        "list": Capability.REGISTERS_VIEW,
        "retrieve": Capability.REGISTERS_VIEW,
        "report": Capability.REGISTERS_VIEW,
        "pdf": Capability.REGISTERS_VIEW,
        "create": Capability.REVIEWS_RUN,
        "submit": Capability.REVIEWS_RUN,
        "answer": Capability.REVIEWS_ANSWER,
    }

    def get_serializer_class(self):
        if self.action == "retrieve":
            return MaturityReviewDetailSerializer
        return super().get_serializer_class()

    def narrow_queryset(self, queryset):
        return queryset.select_related("maturity_model")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        membership = getattr(self.request, "membership", None)
        if membership is None:
            return context
        sides: dict[int, dict] = {}
        relationship = self.kwargs.get("relationship")
        # Scoped: the organization's own answers and submissions only.
        answers = MaturityAnswer.objects.filter(review__relationship_id=relationship)
        for review_id, respondent_id in answers.values_list(
            "review_id", "respondent_id"
        ).distinct():
            side = sides.setdefault(review_id, {"respondents": 0})
            side["respondents"] += 1
            side["mine"] = side.get("mine", False) or respondent_id == membership.pk
        submitted = MaturitySubmission.objects.filter(review__relationship_id=relationship)
        for review_id in submitted.values_list("review_id", flat=True):
            sides.setdefault(review_id, {"respondents": 0})["submitted"] = True
        context["my_side"] = sides
        return context

    def create_object(self, serializer):
        return review_open(
            relationship=self.get_parent("relationship"),
            membership=self.membership,
            **serializer.validated_data,
        )

    @extend_schema(
        summary="Answer the review: a score (1-5) and a comment per principle",
        description=(
            "Every principle of the review's model, once; answering again replaces your answers "
            "until your organization submits (`409 party_submitted`). Your answers are your "
            "organization's only: no other party ever reads them, only the report's figures."
        ),
        examples=[
            OpenApiExample(
                "Answers",
                value={
                    "answers": [
                        {"principle": "trust", "score": 4, "comment": "Problems are raised early."},
                        {"principle": "exit_strategy", "score": 2, "comment": ""},
                    ]
                },
                request_only=True,
            )
        ],
        responses={200: MaturityReviewSerializer, 409: CONFLICT},
    )
    @write_action(detail=True)
    def answer(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = self.get_object()
        self.write(
            review_answer,
            visible=review,
            review=review,
            membership=self.membership,
            answers=serializer.validated_data["answers"],
        )
        return Response(self.output(review))

    @extend_schema(
        summary="Submit your organization's side (its managers)",
        description=(
            "Your organization's answers become final. When every active party has submitted, "
            "the review is unsealed and its report computed by a job (`status` `computing`, "
            "then `completed`). At least one of your people must have answered (`409 no_answers`)."
        ),
        request=None,
        responses={200: MaturityReviewSerializer, 409: CONFLICT},
    )
    @write_action(detail=True)
    def submit(self, request, *args, **kwargs):
        review = self.get_object()
        self.write(review_submit, visible=review, review=review, membership=self.membership)
        return Response(self.output(review))

    @extend_schema(
        summary="The report of a completed review",
        description=(
            "Per principle: each party's median, lowest and highest score and comments, the "
            "joint score, the perception gap between the parties, the trend against earlier "
            "reviews, and the actions suggested where it is weak or the parties disagree. In an "
            "ecosystem a member reads its own figures and the aggregate (the distribution over "
            "members); the orchestrator also the outliers and who did not answer. `409 "
            "review_not_completed` before the report is computed."
        ),
        responses={200: ReportSerializer, 409: CONFLICT},
        examples=[OpenApiExample("A partnership", value=REPORT_EXAMPLE, response_only=True)],
    )
    @action(detail=True, methods=["get"])
    def report(self, request, *args, **kwargs):
        review = self.get_object()
        report = report_for(review, self.organization)
        if report is None:
            raise Conflict(
                "The report is computed once every party has submitted or the deadline passed.",
                code="review_not_completed",
            )
        return Response(report)

    @extend_schema(
        summary="Ask for the report as a PDF (a job)",
        description="The same figures and charts as the report page. Follow the job at its `url`.",
        request=None,
        responses={
            202: OpenApiResponse(JobSerializer, description="Queued."),
            409: CONFLICT,
            503: QUEUE_DOWN,
        },
        examples=[
            OpenApiExample("Queued", value=QUEUED_EXAMPLE, response_only=True, status_codes=["202"])
        ],
    )
    @write_action(detail=True)
    def pdf(self, request, *args, **kwargs):
        job = self.write(maturity_pdf_request, review=self.get_object(), membership=self.membership)
        return job_response(self, job)
