"""Writes to the knowledge-sharing register."""

from __future__ import annotations

from django.db import transaction

from cbrms.errors import ValidationFailed
from governance.models import KnowledgeAsset, KnowledgeStatus, Sharing
from governance.services.registers import (
    ensure_may_change,
    ensure_may_write,
    ensure_owner,
    ensure_visibility,
)
from relationships.models import Membership, Relationship

EDITABLE = ("name", "description", "sharing", "conditions", "status", "owner", "visibility")


def _check_conditions(sharing: str, conditions: str) -> None:
    if sharing == Sharing.CONDITIONS and not conditions.strip():
        raise ValidationFailed(
            "Say on what conditions it may be shared.",
            fields={"conditions": ["Required when shared with conditions."]},
        )


@transaction.atomic
def knowledge_create(
    *,
    relationship: Relationship,
    membership: Membership,
    name: str,
    sharing: str,
    visibility: str,
    description: str = "",
    conditions: str = "",
    status: str = KnowledgeStatus.ACTIVE,
    owner: Membership | None = None,
) -> KnowledgeAsset:
    """Class an information asset as ``membership``'s organization."""
    ensure_may_write(relationship=relationship, membership=membership)
    ensure_visibility(relationship=relationship, visibility=visibility)
    ensure_owner(owner=owner, organization_id=membership.organization_id)
    _check_conditions(sharing, conditions)
    # unscoped(create): a row of a relationship the caller resolved, owned by its organization
    return KnowledgeAsset.objects.unscoped().create(
        relationship=relationship,
        organization_id=membership.organization_id,
        visibility=visibility,
        owner=owner or membership,
        created_by=membership,
        name=name,
        description=description,
        sharing=sharing,
        conditions=conditions,
        status=status,
    )


@transaction.atomic
def knowledge_update(*, asset: KnowledgeAsset, membership: Membership, **changes) -> KnowledgeAsset:
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(
            "These fields cannot be changed.",
            fields={field: ["Not editable."] for field in sorted(unknown)},
        )
    asset = (
        KnowledgeAsset.objects.unscoped()  # unscoped(lock): re-read under the lock
        .select_for_update()
        .select_related("relationship")
        .get(pk=asset.pk)
    )
    ensure_may_change(record=asset, membership=membership, changes=changes)
    if "owner" in changes:
        ensure_owner(owner=changes["owner"], organization_id=asset.organization_id)
    _check_conditions(
        changes.get("sharing", asset.sharing), changes.get("conditions", asset.conditions)
    )
    for field, value in changes.items():
        setattr(asset, field, value)
    asset.save(update_fields=[*changes, "updated_at"])
    return asset
