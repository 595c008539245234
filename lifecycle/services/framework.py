"""The catalog a relationship runs on, its upgrade, and its gate quorum."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from cbrms.errors import Conflict, ValidationFailed
from lifecycle.models import Catalog, RelationshipFramework, Requirement
from lifecycle.services.catalogs import catalog_diff, catalog_latest
from lifecycle.services.gates import pending_gate
from lifecycle.services.requirements import requirements_provision
from relationships.models import Organization, Party, PartyRole, PartyStatus, Relationship
from relationships.services.relationships import relationship_ensure_open, require_lead


@dataclass(frozen=True)
class UpgradeReport:
    from_version: str
    to_version: str
    carried: int
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)


def _require_lead(framework: RelationshipFramework, organization: Organization) -> None:
    require_lead(
        relationship=framework.relationship,
        organization=organization,
        action="change its framework",
    )


@transaction.atomic
def framework_set_quorum(
    *, framework: RelationshipFramework, organization: Organization, member_quorum: int
) -> RelationshipFramework:
    """Set how many members' SERs an ecosystem gate needs besides the orchestrator's."""
    _require_lead(framework, organization)
    relationship_ensure_open(framework.relationship)
    if not framework.relationship.is_ecosystem and member_quorum:
        raise ValidationFailed(
            "Only an ecosystem has a member quorum; other relationships need every party's SER.",
            fields={"member_quorum": ["Must be 0 for a relationship that is not an ecosystem."]},
        )
    # unscoped(by-id): the relationship's members, closed list or not
    members = Party.objects.unscoped().filter(
        relationship_id=framework.relationship_id, role=PartyRole.MEMBER, status=PartyStatus.ACTIVE
    )
    if member_quorum > members.count():
        raise ValidationFailed(
            f"The quorum cannot be larger than the {members.count()} active members.",
            fields={"member_quorum": ["Larger than the number of active members."]},
        )
    framework.member_quorum = member_quorum
    framework.save(update_fields=["member_quorum"])
    return framework


@transaction.atomic
def framework_upgrade(
    *, framework: RelationshipFramework, organization: Organization, version: str | None = None
) -> UpgradeReport:
    """Move a relationship to another version of its catalog, carrying statuses by item id.

    Requirements whose item survives are re-pointed at the new item with their status, owner,
    due date and evidence. New items become new requirements (to do) for every active party.
    Requirements of dropped items stay, pointing at the old version, for the record; they no
    longer count for any gate.
    """
    _require_lead(framework, organization)
    relationship_ensure_open(framework.relationship)
    # Gate requests and decisions lock the relationship's row first; so does the upgrade, so a
    # gate cannot be requested on the old catalog while the catalog changes under it.
    relationship = (
        # unscoped(lock): the relationship, under the lock
        Relationship.objects.unscoped().select_for_update().get(pk=framework.relationship_id)
    )
    # unscoped(lock): re-read under the lock
    framework = RelationshipFramework.objects.unscoped().select_for_update().get(pk=framework.pk)
    old = framework.catalog
    try:
        new = (
            Catalog.objects.get(profile=old.profile, version=version)
            if version
            else catalog_latest(old.profile)
        )
    except Catalog.DoesNotExist:
        raise ValidationFailed(
            f"There is no version {version!r} of the {old.profile} catalog.",
            fields={"version": ["Unknown catalog version."]},
        ) from None
    if new.pk == old.pk:
        raise Conflict(
            f"The relationship already runs on version {old.version}.", code="up_to_date"
        )
    if pending_gate(relationship) is not None:
        raise Conflict(
            "A gate is waiting for its decision; upgrade once it is decided.", code="gate_pending"
        )
    diff = catalog_diff(old=old, new=new)
    new_items = {item.key: item for item in new.items.all()}
    carried = 0
    for requirement in (
        Requirement.objects.unscoped()  # unscoped(by-id): every party's requirements move together
        .filter(relationship=relationship, item__catalog=old)
        .select_related("item")
    ):
        item = new_items.get(requirement.item.key)
        if item is None or item.stage != requirement.stage or item.scope != requirement.item.scope:
            continue
        requirement.item = item
        requirement.save(update_fields=["item", "updated_at"])
        carried += 1
    framework.catalog = new
    framework.upgraded_at = timezone.now()
    framework.save(update_fields=["catalog", "upgraded_at"])
    for party in (
        Party.objects.unscoped()  # unscoped(by-id): each party's checklist is laid out
        .filter(relationship=relationship, status=PartyStatus.ACTIVE)
        .select_related("organization")
    ):
        requirements_provision(
            relationship=relationship, organization=party.organization, framework=framework
        )
    return UpgradeReport(
        from_version=old.version,
        to_version=new.version,
        carried=carried,
        added=list(diff.added),
        removed=list(diff.removed),
        changed={key: list(fields) for key, fields in diff.changed.items()},
    )
