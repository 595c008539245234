"""The rules every workspace register shares: who may write a row, who may own it, and when a
row may become joint. Each register's services call these; none restates them."""

from __future__ import annotations

from cbrms.errors import Conflict, PermissionRefused, ValidationFailed
from lifecycle.models import Stage
from lifecycle.services.approvers import active_party
from relationships.models import Membership, Relationship, Visibility
from relationships.services.relationships import relationship_ensure_open

#: The joint workspace opens with stage 5, Working together (DOMAIN.md).
JOINT_FROM = Stage.WORKING_TOGETHER


def ensure_may_write(*, relationship: Relationship, membership: Membership) -> None:
    """An active party's member, in a relationship still open."""
    relationship_ensure_open(relationship)
    if active_party(relationship, membership.organization_id) is None:
        raise PermissionRefused(
            "Only the active parties of a relationship keep its registers.", code="not_a_party"
        )


def ensure_visibility(*, relationship: Relationship, visibility: str) -> None:
    """Joint rows belong to the joint workspace, which opens in stage 5."""
    if visibility == Visibility.JOINT and relationship.current_stage < JOINT_FROM:
        raise Conflict(
            f"The joint workspace opens in stage {JOINT_FROM.value}, {JOINT_FROM.label}: keep "
            "the row internal until then.",
            code="too_early",
        )


def ensure_owner(*, owner: Membership | None, organization_id: int) -> None:
    """The owner is a person of the organization that owns the row."""
    if owner is not None and owner.organization_id != organization_id:
        raise ValidationFailed(
            "The owner is a member of the organization that owns the row.",
            fields={"owner": ["Not a member of the owning organization."]},
        )


def ensure_may_change(*, record, membership: Membership, changes: dict) -> None:
    """A joint row is any active party's to keep up to date; an internal one its owning
    organization's alone. Only the owning organization reassigns a row or shares it, and a
    shared row stays shared (the partners have seen it)."""
    ensure_may_write(relationship=record.relationship, membership=membership)
    own = record.organization_id == membership.organization_id
    if record.visibility == Visibility.INTERNAL and not own:
        raise PermissionRefused("An internal row is changed by its own organization only.")
    if "owner" in changes and not own:
        raise PermissionRefused("Only the owning organization names the owner.", code="not_own_row")
    visibility = changes.get("visibility", record.visibility)
    if visibility != record.visibility:
        if visibility == Visibility.INTERNAL:
            raise Conflict(
                "A joint row stays joint: the partners have seen it.", code="already_joint"
            )
        if not own:
            raise PermissionRefused(
                "Only the owning organization shares its row.", code="not_own_row"
            )
        ensure_visibility(relationship=record.relationship, visibility=visibility)


def lock_for_change(record, *, membership: Membership, changes: dict, editable: tuple[str, ...]):
    """The row re-read under its lock, once ``changes`` may be made to it by ``membership``'s
    organization: only ``editable`` fields, under the rules above, the owner one of the owning
    organization's people."""
    unknown = set(changes) - set(editable)
    if unknown:
        raise ValidationFailed(
            "These fields cannot be changed here.",
            fields={field: ["Not editable."] for field in sorted(unknown)},
        )
    record = (
        type(record)
        .objects.unscoped()  # unscoped(lock): re-read under the lock
        .select_for_update(of=("self",))
        .select_related("relationship")
        .get(pk=record.pk)
    )
    ensure_may_change(record=record, membership=membership, changes=changes)
    if "owner" in changes:
        ensure_owner(owner=changes["owner"], organization_id=record.organization_id)
    return record


def save_changes(record, changes: dict) -> None:
    for field, value in changes.items():
        setattr(record, field, value)
    record.save(update_fields=[*changes, "updated_at"])
