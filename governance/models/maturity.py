"""Maturity reviews: each party rates the relationship on every principle of a maturity model
(versioned data, ``governance/catalogs/``), its answers sealed until every party has submitted
or the deadline has passed; then a job computes the report (``governance.maturity``)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from cbrms.audit.triggers import audit_trigger
from cbrms.tenancy.managers import ScopedManager
from relationships.models import Membership, Organization, Relationship


class MaturityModel(models.Model):
    """One version of a maturity model: the 12 principles, or the ecosystem matrix. Global
    reference data, like the framework catalogs: read by everyone, changed only by loading a
    new version."""

    key = models.CharField(max_length=20)  # "principles" or "ecosystem"
    version = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    levels = models.JSONField(help_text='The names of levels 1-5: {"1": "Ad hoc", ...}.')
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key", "-loaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="maturity_model_version"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.version})"


class MaturityPrinciple(models.Model):
    """One principle of a model version, with the words of each level and the actions
    suggested while it is weak."""

    model = models.ForeignKey(MaturityModel, on_delete=models.CASCADE, related_name="principles")
    key = models.SlugField(max_length=40)
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    question = models.TextField()
    levels = models.JSONField(help_text='What each level looks like: {"1": "...", ...}.')
    actions = models.JSONField(default=list)

    class Meta:
        ordering = ["model_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["model", "key"], name="maturity_principle_once"),
        ]

    def __str__(self) -> str:
        return self.title


class ReviewStatus(models.TextChoices):
    OPEN = "open", "Open for answers"
    COMPUTING = "computing", "Being computed"
    COMPLETED = "completed", "Completed"


class MaturityReview(models.Model):
    """A maturity review of a relationship: joint, opened by the lead (or by Celery beat on
    the relationship's schedule), open until every active party has submitted its answers or
    ``closes_at`` has passed. ``report`` is what the job computed; each party reads it through
    ``governance.maturity.report_for`` (an ecosystem member sees its own scores and the
    aggregate, never another member's)."""

    relationship = models.ForeignKey(Relationship, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", help_text="The lead."
    )
    maturity_model = models.ForeignKey(MaturityModel, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    scheduled = models.BooleanField(default=False, help_text="Opened by the schedule.")
    opened_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    closes_at = models.DateTimeField()
    unsealed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    report = models.JSONField(null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReviewStatus.values), name="maturity_review_status"
            ),
            models.CheckConstraint(
                condition=~Q(status=ReviewStatus.COMPLETED) | Q(report__isnull=False),
                name="maturity_review_completed_has_report",
            ),
            # One review open at a time per relationship.
            models.UniqueConstraint(
                fields=["relationship"],
                condition=Q(status="open"),
                name="maturity_review_one_open",
            ),
        ]
        indexes = [models.Index(fields=["status", "closes_at"], name="maturity_review_due")]
        triggers = [
            audit_trigger(
                organization_column="organization_id",
                relationship_column="relationship_id",
                visibility="joint",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == ReviewStatus.OPEN and timezone.now() < self.closes_at


class MaturityAnswer(models.Model):
    """One person's score of one principle, with a comment: their organization's alone (its
    scope), read by the other parties only as the report's figures, once unsealed."""

    review = models.ForeignKey(MaturityReview, on_delete=models.CASCADE, related_name="answers")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    respondent = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    principle = models.SlugField(max_length=40)
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True, max_length=2000)
    answered_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review", "respondent", "principle"], name="maturity_answer_once"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="maturity_score_1_to_5"
            ),
        ]
        indexes = [models.Index(fields=["review", "organization"], name="maturity_answer_party")]

    def __str__(self) -> str:
        return f"{self.principle}: {self.score}"


class MaturitySubmission(models.Model):
    """A party's side of a review, submitted: its answers are final. When every active party
    has one, the review is unsealed and computed."""

    review = models.ForeignKey(MaturityReview, on_delete=models.CASCADE, related_name="submissions")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    submitted_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    respondents = models.PositiveIntegerField()

    objects = ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review", "organization"], name="maturity_submission_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} submitted review {self.review_id}"
