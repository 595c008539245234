"""Starting a relationship's lifecycle and keeping its requirements."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from cbrms.errors import PermissionRefused, ValidationFailed
from lifecycle.models import (
    SETTLED_STATUSES,
    Catalog,
    CatalogItem,
    Evidence,
    EvidenceStatus,
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
from relationships.roles import Capability, role_can
from relationships.services.relationships import relationship_ensure_open

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
    # unscoped(create): the new relationship's framework
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
    # unscoped(by-id): the relationship's own framework
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
    # unscoped(create): a party's checklist
    created = Requirement.objects.unscoped().bulk_create(rows, ignore_conflicts=True)
    return len(created)


def gating_q() -> Q:
    """What a gate rests on, as a filter of requirements: the items of the catalog the
    relationship runs on now, joint or the lead's own (``Requirement.gating_q``). Items a
    catalog upgrade dropped are kept for the record but gate nothing."""
    return Q(item__catalog_id=F("relationship__framework__catalog_id")) & Requirement.gating_q()


def live_evidence_q() -> Q:
    """Evidence a requirement can rest on: any that is not withdrawn (drafts included)."""
    return ~Q(status=EvidenceStatus.WITHDRAWN)


def proven() -> Exists:
    """For a queryset of requirements: whether each has evidence it can rest on."""
    return Exists(
        # unscoped(by-id): each requirement's own evidence
        Evidence.objects.unscoped().filter(live_evidence_q(), requirement_id=OuterRef("pk"))
    )


def settled_q() -> Q:
    """For a queryset of requirements: settled, the one definition. Not applicable (with its
    justification, a database constraint), or met and resting on evidence that is not
    withdrawn. ``requirement_update`` refuses a met with no such evidence, and withdrawing the
    last piece reopens the requirement, so the second half holds; gates check it anyway."""
    return Q(status=RequirementStatus.NOT_APPLICABLE) | (
        Q(status=RequirementStatus.MET) & Q(proven())
    )


def requirement_is_open(requirement: Requirement) -> bool:
    """Whether a requirement's status (and its evidence) may still change.

    Not in a closed relationship; and past stages were approved on this record, so what a gate
    rested on (``is_gating``) keeps its status until a send-back reopens the stage. Another
    party's internal checklist never gated anything: a partner that joined in stage 4 still
    records its stages 1-3.
    """
    relationship = requirement.relationship
    if relationship.is_closed:
        return False
    return not (requirement.is_gating and requirement.stage < relationship.current_stage)


def gating_requirements(*, relationship: Relationship, stage: int) -> QuerySet:
    """The requirements a gate leaving ``stage`` rests on (unscoped: the gate sees them all)."""
    return (
        Requirement.objects.unscoped()  # unscoped(by-id): the gate sees every party's part
        .filter(gating_q(), relationship=relationship, stage=stage)
        .select_related("item")
    )


def _has_live_evidence(requirement: Requirement) -> bool:
    return (
        Evidence.objects.unscoped()  # unscoped(by-id): the requirement's own evidence
        .filter(live_evidence_q(), requirement=requirement)
        .exists()
    )


def _check_settler(
    *, requirement: Requirement, organization: Organization, by: Membership | None
) -> None:
    """Who may settle a joint requirement: in an ecosystem the orchestrator only (a member
    would decide for every member); elsewhere any active party, through a role that holds
    ``requirements.settle_joint``."""
    relationship = requirement.relationship
    if relationship.is_ecosystem and organization.pk != relationship.lead_organization_id:
        raise PermissionRefused(
            "In an ecosystem, the orchestrator settles the joint requirements.",
            code="orchestrator_settles",
        )
    if by is not None and not role_can(by.role, Capability.REQUIREMENTS_SETTLE_JOINT):
        raise PermissionRefused(
            "A relationship manager or an admin settles a joint requirement; your role may "
            "work on it.",
            code="role_cannot_settle",
        )


@transaction.atomic
def requirement_reopen_unproven(*, requirement: Requirement) -> bool:
    """Back to in progress when a met requirement lost its last piece of evidence (withdrawn or
    removed). Returns whether it was reopened."""
    if requirement.status != RequirementStatus.MET or _has_live_evidence(requirement):
        return False
    requirement.status = RequirementStatus.IN_PROGRESS
    requirement.settled_by = requirement.settled_at = None
    requirement.save(update_fields=["status", "settled_by", "settled_at", "updated_at"])
    return True


def _check_owner(*, requirement: Requirement, owner: Membership | None) -> None:
    if owner is None:
        return
    if requirement.visibility == Visibility.INTERNAL:
        allowed = owner.organization_id == requirement.organization_id
    else:
        allowed = (
            Party.objects.unscoped()  # unscoped(by-id): the owner's seat in the relationship
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
    by: Membership | None = None,
    status: str | None = None,
    justification: str | None = None,
    owner: Membership | object | None = _UNSET,
    due_date: date | object | None = _UNSET,
) -> Requirement:
    """Record progress on a requirement, as ``organization`` (in the person of ``by``).

    Met needs evidence that is not withdrawn; not applicable needs a justification. A joint
    requirement is settled by a relationship manager (or admin) of an active party, or in an
    ecosystem by the orchestrator alone; who settled it, and when, is kept.
    """
    relationship = requirement.relationship
    relationship_ensure_open(relationship)
    if (
        requirement.visibility == Visibility.INTERNAL
        and requirement.organization_id != organization.pk
    ):
        raise PermissionRefused("Only its own organization works on an internal requirement.")
    status_changes = status is not None and status != requirement.status
    if status_changes and not requirement_is_open(requirement):
        raise ValidationFailed(
            "This stage has passed its gate; send the relationship back to change it.",
            code="stage_closed",
        )
    changed = []
    if status_changes:
        if status in SETTLED_STATUSES and requirement.visibility == Visibility.JOINT:
            _check_settler(requirement=requirement, organization=organization, by=by)
        if status == RequirementStatus.MET and not _has_live_evidence(requirement):
            raise ValidationFailed(
                "Met means proven: add the evidence first (a note, a link or a file), then mark "
                "it met.",
                code="evidence_required",
                fields={"status": ["Needs at least one piece of evidence that is not withdrawn."]},
            )
        settling = status in SETTLED_STATUSES
        requirement.settled_by = (by or requirement.settled_by) if settling else None
        requirement.settled_at = timezone.now() if settling else None
        requirement.status = status
        changed += ["status", "settled_by", "settled_at"]
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
