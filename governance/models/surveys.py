"""Trust and behaviour surveys (ISO 44001 8.8.4): rounds sent to the people of every party,
answered anonymously.

Anonymity is in the shape of the tables, not in a promise:

- ``SurveyAnswer`` holds the party, the indicator, the score and the comment: no person, no
  time, and a random id, so nothing in a row points at who wrote it;
- ``SurveyParticipation`` records who took part, and nothing of what they answered;
- answers are not in the audit trail (it names who acted), and the service rewrites a round's
  answers in a random order with every new submission, so neither the order of the rows nor
  the transaction that wrote them ties an answer to a participation (``survey_answer``).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from cbrms.audit.triggers import audit_trigger
from cbrms.tenancy.managers import ScopedManager
from relationships.models import Membership, Organization, Relationship


class TrustIndicator(models.TextChoices):
    """What a round asks about, each scored 1 (strongly disagree) to 5 (strongly agree)."""

    OPENNESS = "openness", "Our partner shares what we need to know, early"
    RELIABILITY = "reliability", "Our partner does what it said it would"
    FAIRNESS = "fairness", "Gains and burdens are shared fairly"
    PROBLEM_SOLVING = "problem_solving", "Problems are solved together, not passed on"
    RESPECT = "respect", "People on both sides treat each other with respect"
    COMMUNICATION = "communication", "Communication is timely and clear"
    COMMITMENT = "commitment", "Both sides are committed to the relationship's future"


class SurveyRound(models.Model):
    """One round of a trust survey: joint, opened by an active party for every party's
    people, open until ``closes_at``. Results show once it is closed, per party only when at
    least ``threshold`` of that party's people answered."""

    relationship = models.ForeignKey(Relationship, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The organization that opened the round.",
    )
    title = models.CharField(max_length=200)
    indicators = models.JSONField(help_text="The indicator keys asked, in order.")
    threshold = models.PositiveSmallIntegerField(
        help_text="The relationship's threshold when the round opened."
    )
    opened_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    closes_at = models.DateTimeField()

    objects = ScopedManager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(threshold__gte=3), name="survey_threshold_3"),
        ]
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
        return timezone.now() < self.closes_at


class SurveyParticipation(models.Model):
    """Who took part in a round: one row per person, and nothing of what they answered."""

    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="participations")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")

    objects = ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "membership"], name="survey_answer_once"),
        ]

    def __str__(self) -> str:
        return f"{self.membership_id} took part in {self.round_id}"


class SurveyAnswer(models.Model):
    """One score of one indicator by one (unnamed) person of a party."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="answers")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", help_text="The party's."
    )
    indicator = models.CharField(max_length=30, choices=TrustIndicator.choices)
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True, max_length=2000)

    objects = ScopedManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="survey_score_1_to_5"
            ),
        ]
        indexes = [models.Index(fields=["round", "organization"], name="survey_answer_party")]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.score}"
