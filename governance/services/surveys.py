"""Trust and behaviour surveys: opening a round, answering it anonymously, closing it.

See ``governance.models.surveys`` for what keeps an answer from pointing at its author."""

from __future__ import annotations

import datetime
import random

from django.db import IntegrityError, transaction
from django.utils import timezone

from cbrms.errors import Conflict, PermissionRefused, ValidationFailed
from governance.models import SurveyAnswer, SurveyParticipation, SurveyRound, TrustIndicator
from governance.services.registers import JOINT_FROM, ensure_may_write
from lifecycle.services.approvers import active_party
from relationships.models import Membership, Relationship

#: The longest a round stays open.
LONGEST_ROUND = datetime.timedelta(days=90)


@transaction.atomic
def survey_open(
    *,
    relationship: Relationship,
    membership: Membership,
    title: str,
    closes_at: datetime.datetime,
    indicators: list[str] | None = None,
) -> SurveyRound:
    """Open a round for the people of every active party, until ``closes_at``."""
    ensure_may_write(relationship=relationship, membership=membership)
    if relationship.current_stage < JOINT_FROM:
        raise Conflict(
            f"Trust surveys run in the joint workspace, from stage {JOINT_FROM.value}.",
            code="too_early",
        )
    now = timezone.now()
    if not now < closes_at <= now + LONGEST_ROUND:
        raise ValidationFailed(
            "A round closes in the future, within 90 days.",
            fields={"closes_at": ["Between now and 90 days from now."]},
        )
    indicators = list(dict.fromkeys(indicators or TrustIndicator.values))
    unknown = [key for key in indicators if key not in TrustIndicator.values]
    if unknown:
        raise ValidationFailed(
            "Unknown indicators.", fields={"indicators": [f"Unknown: {', '.join(unknown)}."]}
        )
    # unscoped(create): a round of a relationship the caller resolved
    return SurveyRound.objects.unscoped().create(
        relationship=relationship,
        organization_id=membership.organization_id,
        opened_by=membership,
        title=title,
        indicators=indicators,
        threshold=relationship.survey_threshold,
        closes_at=closes_at,
    )


def _locked(survey: SurveyRound) -> SurveyRound:
    return (
        SurveyRound.objects.unscoped()  # unscoped(lock): re-read under the lock
        .select_for_update()
        .select_related("relationship")
        .get(pk=survey.pk)
    )


@transaction.atomic
def survey_close(*, survey: SurveyRound, membership: Membership) -> SurveyRound:
    """Close a round before its time: the organization that opened it may."""
    survey = _locked(survey)
    if survey.organization_id != membership.organization_id:
        raise PermissionRefused("The organization that opened a round closes it.")
    if not survey.is_open:
        raise Conflict("The round is already closed.", code="survey_closed")
    survey.closes_at = timezone.now()
    survey.save(update_fields=["closes_at"])
    return survey


@transaction.atomic
def survey_answer(
    *, survey: SurveyRound, membership: Membership, answers: dict[str, tuple[int, str]]
) -> None:
    """Record ``membership``'s answers ({indicator: (score, comment)}, every indicator of the
    round), once, without tying them to the person.

    Who took part goes to ``SurveyParticipation``; the scores to ``SurveyAnswer`` with the
    party alone. Then the party's answers to the round are rewritten in a random order: every
    row gets this transaction's id and a place unrelated to when it was given, so neither
    ties an answer to a participation."""
    survey = _locked(survey)  # one submission at a time per round
    if not survey.is_open:
        raise Conflict("The round is closed.", code="survey_closed")
    if active_party(survey.relationship, membership.organization_id) is None:
        raise PermissionRefused(
            "The people of the relationship's active parties answer its surveys.",
            code="not_a_party",
        )
    missing = [key for key in survey.indicators if key not in answers]
    extra = [key for key in answers if key not in survey.indicators]
    bad = [key for key, (score, _) in answers.items() if score not in range(1, 6)]
    if missing or extra or bad:
        fields = {key: ["Score it 1 to 5."] for key in missing + bad}
        fields.update({key: ["Not asked in this round."] for key in extra})
        raise ValidationFailed("Score every indicator of the round, 1 to 5.", fields=fields)
    try:
        with transaction.atomic():
            # unscoped(create): the person's own participation
            SurveyParticipation.objects.unscoped().create(
                round=survey, organization_id=membership.organization_id, membership=membership
            )
    except IntegrityError:
        raise Conflict("You have already answered this round.", code="already_answered") from None
    # unscoped(by-id): the party's answers to the round, rewritten whole; nobody reads them
    existing = SurveyAnswer.objects.unscoped().filter(
        round=survey, organization_id=membership.organization_id
    )
    rows = [
        (row.organization_id, row.indicator, row.score, row.comment)
        for row in existing.only("organization_id", "indicator", "score", "comment")
    ]
    rows += [
        (membership.organization_id, key, score, comment.strip())
        for key, (score, comment) in answers.items()
    ]
    random.SystemRandom().shuffle(rows)
    existing.delete()
    # unscoped(by-id): as above
    SurveyAnswer.objects.unscoped().bulk_create(
        SurveyAnswer(round=survey, organization_id=org, indicator=key, score=score, comment=text)
        for org, key, score, text in rows
    )
