"""The relationship portfolio (ISO 44001 6.3, ISO 44003's segmentation): each relationship of
the organization placed by value and risk, with the profile that placement suggests under the
organization's criteria, and the profile decided, why, by whom and when."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from cbrms.errors import PermissionRefused, ValidationFailed
from governance.models import PortfolioCriteria, PortfolioPlacement, Profile
from lifecycle.services.approvers import active_party
from relationships.models import Membership, Relationship

#: Where the profiles start when the organization has set no criteria.
DEFAULT_FULL_FROM = 4
DEFAULT_PROGRAMME_FROM = 2


def _scale(name: str, value: int) -> int:
    if not 1 <= value <= 5:
        raise ValidationFailed("Scores go from 1 to 5.", fields={name: ["From 1 to 5."]})
    return value


def criteria_of(organization_id: int) -> PortfolioCriteria:
    """The organization's criteria, or the defaults (unsaved) when it set none."""
    return PortfolioCriteria.objects.filter(organization_id=organization_id).first() or (
        PortfolioCriteria(
            organization_id=organization_id,
            full_from=DEFAULT_FULL_FROM,
            programme_from=DEFAULT_PROGRAMME_FROM,
        )
    )


def suggest_profile(*, value: int, risk: int, criteria: PortfolioCriteria) -> str:
    """The profile a place on the matrix suggests: the full lifecycle when value or risk is
    high, the light profile in between, no collaborative programme when both are low."""
    highest = max(value, risk)
    if highest >= criteria.full_from:
        return Profile.FULL
    if highest >= criteria.programme_from:
        return Profile.SME
    return Profile.NONE


@transaction.atomic
def criteria_set(
    *,
    membership: Membership,
    full_from: int,
    programme_from: int,
    value_meaning: str = "",
    risk_meaning: str = "",
) -> PortfolioCriteria:
    """Set what value and risk mean to the organization, and where the profiles start."""
    _scale("full_from", full_from)
    _scale("programme_from", programme_from)
    if programme_from >= full_from:
        message = "The light profile must start below the full lifecycle."
        raise ValidationFailed(message, fields={"programme_from": [message]})
    # unscoped(create): the organization's own criteria
    criteria, _ = PortfolioCriteria.objects.unscoped().update_or_create(
        organization_id=membership.organization_id,
        defaults={
            "full_from": full_from,
            "programme_from": programme_from,
            "value_meaning": value_meaning.strip(),
            "risk_meaning": risk_meaning.strip(),
            "updated_by": membership,
        },
    )
    return criteria


@transaction.atomic
def placement_set(
    *,
    membership: Membership,
    relationship: Relationship,
    value: int,
    risk: int,
    profile: str = "",
    rationale: str = "",
) -> PortfolioPlacement:
    """Place ``relationship`` on the organization's matrix and record the profile decided.

    Without a ``profile`` the suggestion is taken. A profile other than the suggestion is a
    decision against the organization's own criteria: it must say why.
    """
    if active_party(relationship, membership.organization_id) is None:
        raise PermissionRefused(
            "Only relationships the organization takes part in go in its portfolio.",
            code="not_a_party",
        )
    _scale("value", value)
    _scale("risk", risk)
    suggested = suggest_profile(
        value=value, risk=risk, criteria=criteria_of(membership.organization_id)
    )
    profile = profile or suggested
    if profile not in Profile.values:
        raise ValidationFailed("Unknown profile.", fields={"profile": ["Not a profile."]})
    if profile != suggested and not rationale.strip():
        message = (
            f"The criteria suggest “{Profile(suggested).label}”: say why you decide otherwise."
        )
        raise ValidationFailed(message, code="rationale_required", fields={"rationale": [message]})
    # unscoped(create): the organization's own placement of a relationship it takes part in
    placement, _ = PortfolioPlacement.objects.unscoped().update_or_create(
        organization_id=membership.organization_id,
        relationship=relationship,
        defaults={
            "value": value,
            "risk": risk,
            "profile": profile,
            "rationale": rationale.strip(),
            "decided_by": membership,
            "decided_at": timezone.now(),
        },
    )
    return placement
