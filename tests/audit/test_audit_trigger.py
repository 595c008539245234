"""The audit trigger itself: what it records, and what it deliberately leaves out."""

import pytest

from cbrms.audit.models import AuditEvent
from relationships.models import ApiToken, Relationship
from relationships.services.tokens import token_authenticate, token_create
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _events(table, object_id):
    return AuditEvent.objects.unscoped().filter(table=table, object_id=object_id).order_by("id")


def test_a_create_event_lists_only_columns_that_hold_a_value(world):
    event = _events("relationships_relationship", world.relationship.pk).first()
    assert event.action == "create"
    assert "archived_at" not in event.changes  # empty on creation: no change to report
    assert event.changes["name"] == [None, "Shared relationship"]


def test_a_bulk_queryset_update_is_recorded_per_row(world):
    Relationship.objects.unscoped().filter(
        pk__in=[world.relationship.pk, world.stranger_relationship.pk]
    ).update(description="Bulk edit")
    for relationship in (world.relationship, world.stranger_relationship):
        event = _events("relationships_relationship", relationship.pk).last()
        assert event.action == "update"
        assert event.changes == {
            "description": ["", "Bulk edit"],
            **(
                {"updated_at": event.changes["updated_at"]} if "updated_at" in event.changes else {}
            ),
        }


def test_token_use_and_secret_never_reach_the_trail(world):
    membership = MembershipFactory(organization=world.own)
    issued = token_create(membership=membership, name="ci")
    before = _events("relationships_apitoken", issued.token.pk).count()
    assert token_authenticate(key=issued.key) is not None
    assert ApiToken.objects.unscoped().get(pk=issued.token.pk).last_used_at is not None
    assert _events("relationships_apitoken", issued.token.pk).count() == before
    for event in _events("relationships_apitoken", issued.token.pk):
        assert "key_hash" not in event.changes
        assert issued.key not in str(event.changes)
