"""Starting a relationship's lifecycle and keeping its requirements."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import F, Q, QuerySet

from cbrms.errors import PermissionRefused, ValidationFailed
from lifecycle.models import (
    Catalog,
    CatalogItem,
    ItemScope,
    RelationshipFramework,
    Requirement,
    RequirementStatus,
)
from lifecycle.services.catalogs import catalog_latest
from relationships.models import (
    Membership,
    Organization,
    Party,
    PartyStatus,
    Relationship,
    Visibility,
)

_UNSET = object()


def _latest_catalog(profile: str) -> Catalog:
    try:
        return catalog_latest(profile)
    except Catalog.DoesNotExist:
        raise ValidationFailed(
            f"No catalog is loaded for the '{profile}' profile; run manage.py load_catalogs.",
            code="catalog_missing",
        ) from None


@transaction.atomic
def lifecycle_start(*, relationship: Relationship) -> RelationshipFramework:
    """Pin the newest catalog of the relationship's profile and lay out the lead's checklist."""
    framework = RelationshipFramework.objects.unscoped().create(
        relationship=relationship, catalog=_latest_catalog(relationship.framework_profile)
    )
    requirements_provision(
        relationship=relationship, organization=relationship.lead_organization, framework=framework
    )
    return framework


def requirements_provision(
    *,
    relationship: Relationship,
    organization: Organization,
    framework: RelationshipFramework | None = None,
) -> int:
    """Create the requirements ``organization`` works on in ``relationship`` (idempotent).

    Every party gets its own copy of the internal items; the joint items exist once, owned by
    the lead. Returns how many rows were created.
    """
    framework = framework or RelationshipFramework.objects.unscoped().get(relationship=relationship)
    items = CatalogItem.objects.filter(catalog_id=framework.catalog_id)
    if organization.pk != relationship.lead_organization_id:
        items = items.filter(scope=ItemScope.INTERNAL)
    rows = [
        Requirement(
            relationship=relationship,
            organization_id=(
                organization.pk
                if item.scope == ItemScope.INTERNAL
                else relationship.lead_organization_id
            ),
            visibility=Visibility.INTERNAL
            if item.scope == ItemScope.INTERNAL
            else Visibility.JOINT,
            item=item,
            stage=item.stage,
        )
        for item in items
    ]
    created = Requirement.objects.unscoped().bulk_create(rows, ignore_conflicts=True)
    return len(created)


def gating_q() -> Q:
    """What a gate rests on, as a filter of requirements: the items of the catalog the
    relationship runs on now, joint or the lead's own. Other parties' internal checklists are
    theirs alone; items a catalog upgrade dropped are kept for the record but gate nothing."""
    return Q(item__catalog_id=F("relationship__framework__catalog_id")) & (
        Q(visibility=Visibility.JOINT) | Q(organization_id=F("relationship__lead_organization_id"))
    )


def gating_requirements(*, relationship: Relationship, stage: int) -> QuerySet:
    """The requirements a gate leaving ``stage`` rests on (unscoped: the gate sees them all)."""
    return (
        Requirement.objects.unscoped()
        .filter(gating_q(), relationship=relationship, stage=stage)
        .select_related("item")
    )


def _check_owner(*, requirement: Requirement, owner: Membership | None) -> None:
    if owner is None:
        return
    if requirement.visibility == Visibility.INTERNAL:
        allowed = owner.organization_id == requirement.organization_id
    else:
        allowed = (
            Party.objects.unscoped()
            .filter(
                relationship_id=requirement.relationship_id,
                organization_id=owner.organization_id,
                status=PartyStatus.ACTIVE,
            )
            .exists()
        )
    if not allowed:
        raise ValidationFailed(
            "The owner must be a member of an organization working on this requirement.",
            fields={"owner": ["Not a member of a party that works on this requirement."]},
        )


@transaction.atomic
def requirement_update(
    *,
    requirement: Requirement,
    organization: Organization,
    status: str | None = None,
    justification: str | None = None,
    owner: Membership | object | None = _UNSET,
    due_date: date | object | None = _UNSET,
) -> Requirement:
    """Record progress on a requirement. Not applicable needs a justification."""
    if (
        requirement.visibility == Visibility.INTERNAL
        and requirement.organization_id != organization.pk
    ):
        raise PermissionRefused("Only its own organization works on an internal requirement.")
    # Past stages were approved on this record; reopening them is a send-back decision. Only
    # what a gate rests on closes (``gating_requirements``): another party's internal checklist
    # never gated anything, and a partner joining in stage 4 still has its stages 1-3 to record.
    relationship = requirement.relationship
    gated = (
        requirement.visibility == Visibility.JOINT
        or requirement.organization_id == relationship.lead_organization_id
    )
    passed = gated and requirement.stage < relationship.current_stage
    if passed and status is not None and status != requirement.status:
        raise ValidationFailed(
            "This stage has passed its gate; send the relationship back to change it.",
            code="stage_closed",
        )
    changed = []
    if status is not None:
        requirement.status = status
        changed.append("status")
    if justification is not None:
        requirement.justification = justification
        changed.append("justification")
    if requirement.status == RequirementStatus.NOT_APPLICABLE and not requirement.justification:
        raise ValidationFailed(
            "Say why the requirement does not apply.",
            fields={"justification": ["Required when the status is not applicable."]},
        )
    if owner is not _UNSET:
        _check_owner(requirement=requirement, owner=owner)
        requirement.owner = owner
        changed.append("owner")
    if due_date is not _UNSET:
        requirement.due_date = due_date
        changed.append("due_date")
    if changed:
        requirement.save(update_fields=[*changed, "updated_at"])
    return requirement
