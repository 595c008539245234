"""Writes to the knowledge-sharing register."""

from __future__ import annotations

from django.db import transaction

from cbrms.errors import ValidationFailed
from governance.models import KnowledgeAsset, KnowledgeStatus, Sharing
from governance.services.registers import (
    ensure_may_write,
    ensure_owner,
    ensure_visibility,
    lock_for_change,
    save_changes,
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
    asset = lock_for_change(asset, membership=membership, changes=changes, editable=EDITABLE)
    _check_conditions(
        changes.get("sharing", asset.sharing), changes.get("conditions", asset.conditions)
    )
    save_changes(asset, changes)
    return asset
