"""Demo maturity reviews of the Northwind and Contoso partnership: spring and autumn, both
completed. Northwind's people rate the relationship higher than Contoso's on trust and on the
exit strategy (the perception gap the report marks), both sides see risk management as weak,
and most principles moved up between the two reviews (the trend)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from governance.maturity import review_answer, review_compute, review_open, review_submit
from governance.models import MaturityPrinciple, MaturityReview, ReviewStatus
from relationships.models import Membership, Relationship

#: Who answers on each side, in order (they hold ``reviews.answer``); the manager submits.
RESPONDENTS = ("manager", "contributor", "executive")


@dataclass(frozen=True)
class DemoReview:
    title: str
    opened_days_ago: int
    completed_days_ago: int
    #: organization slug -> principle -> typical score (3 when not named)
    scores: dict[str, dict[str, int]]


PARTNERSHIP_REVIEWS = (
    DemoReview(
        "Maturity review: spring",
        190,
        176,
        {
            "northwind": {"trust": 4, "exit_strategy": 3, "risk_management": 2, "governance": 3},
            "contoso": {"trust": 2, "exit_strategy": 1, "risk_management": 2, "governance": 2},
        },
    ),
    DemoReview(
        "Maturity review: autumn",
        28,
        14,
        {
            "northwind": {
                "trust": 5,
                "exit_strategy": 4,
                "risk_management": 2,
                "governance": 4,
                "measurement": 4,
                "knowledge_sharing": 4,
            },
            "contoso": {
                "trust": 3,
                "exit_strategy": 2,
                "risk_management": 2,
                "governance": 4,
                "measurement": 4,
                "knowledge_sharing": 2,
            },
        },
    ),
)


def _score(base: int, person: int) -> int:
    """People differ a little around their side's view, deterministically."""
    return max(1, min(5, base + (person % 3) - 1))


def ensure_maturity_reviews(
    relationship: Relationship,
    *,
    lead: str,
    acting_for: Callable,
    member: Callable[[str, str], Membership],
) -> int:
    """Run both reviews through the services (opened by the lead, answered and submitted by
    each side), compute each report as the worker would, and date them back."""
    now = timezone.now()
    for demo in PARTNERSHIP_REVIEWS:
        with acting_for(lead):
            review = review_open(
                relationship=relationship, membership=member(lead, "manager"), title=demo.title
            )
        keys = list(
            MaturityPrinciple.objects.filter(model_id=review.maturity_model_id)
            .order_by("position")
            .values_list("key", flat=True)
        )
        for slug, scores in demo.scores.items():
            with acting_for(slug):
                for person, login in enumerate(RESPONDENTS):
                    answers = [
                        {
                            "principle": key,
                            "score": _score(scores.get(key, 3), person),
                            "comment": _comment(slug, key) if person == 0 else "",
                        }
                        for key in keys
                    ]
                    review_answer(review=review, membership=member(slug, login), answers=answers)
                review_submit(review=review, membership=member(slug, "manager"))
        # The worker's part, done here: the seed runs before the worker starts.
        with acting_for(lead):
            review = MaturityReview.objects.select_related("relationship", "maturity_model").get(
                pk=review.pk
            )
            opened = now - datetime.timedelta(days=demo.opened_days_ago)
            # unscoped(system): demo data, dated back to when the review ran
            MaturityReview.objects.unscoped().filter(pk=review.pk).update(opened_at=opened)
            review.opened_at = opened
            report = review_compute(review)
            completed = now - datetime.timedelta(days=demo.completed_days_ago)
            # unscoped(system): demo data, the report the job would have stored
            MaturityReview.objects.unscoped().filter(pk=review.pk).update(
                status=ReviewStatus.COMPLETED,
                report=report,
                closes_at=completed,
                unsealed_at=completed,
                completed_at=completed,
            )
    return len(PARTNERSHIP_REVIEWS)


_COMMENTS = {
    ("contoso", "trust"): "Northwind's forecasts still change after we have booked drivers.",
    (
        "contoso",
        "exit_strategy",
    ): "Nobody has told us what happens to the chilled chamber if this ends.",
    ("northwind", "trust"): "Problems come up early at the fortnightly meeting.",
    ("northwind", "risk_management"): "The joint risk register is not reviewed often enough.",
    ("contoso", "knowledge_sharing"): "Sales data arrives late and incomplete.",
}


def _comment(slug: str, key: str) -> str:
    return _COMMENTS.get((slug, key), "")
