"""The tenancy layer itself: scoped managers fail closed and answer the visibility rules."""

import pytest

from cbrms.tenancy.context import NoActingOrganization, acting_as
from relationships.models import Membership, Party, Relationship
from tests.factories import OrganizationFactory, make_relationship

pytestmark = pytest.mark.django_db


def test_scoped_manager_raises_without_acting_organization(world):
    for model in (Relationship, Party, Membership):
        with pytest.raises(NoActingOrganization):
            list(model.objects.all())


def test_each_organization_sees_only_relationships_it_is_an_active_party_of(world):
    with acting_as(world.own):
        assert set(Relationship.objects.all()) == {world.relationship}
    with acting_as(world.partner):
        assert set(Relationship.objects.all()) == {world.relationship}
    with acting_as(world.stranger):
        assert set(Relationship.objects.all()) == {world.stranger_relationship}


def test_an_invited_party_does_not_see_the_relationship_until_it_accepts(world):
    newcomer = OrganizationFactory()
    from relationships.services.relationships import party_accept, party_invite

    party = party_invite(relationship=world.relationship, organization=world.own, invitee=newcomer)
    with acting_as(newcomer):
        assert not Relationship.objects.exists()
        assert list(Party.objects.all()) == [party]  # its own invitation
    party_accept(party=party, organization=newcomer)
    with acting_as(newcomer):
        assert list(Relationship.objects.all()) == [world.relationship]


def test_ecosystem_members_see_each_other_only_when_the_orchestrator_allows(db):
    """A member always sees itself and the orchestrator, the other members only when allowed."""
    hub, first, second = OrganizationFactory(), OrganizationFactory(), OrganizationFactory()
    ecosystem = make_relationship(lead=hub, partners=(first, second), type="ecosystem")
    with acting_as(hub):
        assert Party.objects.filter(relationship=ecosystem).count() == 3
    with acting_as(first):
        seen = {p.organization for p in Party.objects.filter(relationship=ecosystem)}
        assert seen == {hub, first}
    Relationship.objects.unscoped().filter(pk=ecosystem.pk).update(member_directory_visible=True)
    with acting_as(first):
        assert Party.objects.filter(relationship=ecosystem).count() == 3


def test_every_scoped_model_has_a_scope_rule_and_every_rule_a_scoped_model():
    from django.apps import apps

    from cbrms.tenancy.managers import ScopedManager
    from cbrms.tenancy.scopes import registered_models

    scoped = {
        model for model in apps.get_models() if isinstance(model._default_manager, ScopedManager)
    }
    assert scoped == registered_models()


def test_a_scoped_model_without_a_rule_fails_closed(db):
    from django.core.exceptions import ImproperlyConfigured

    from cbrms.tenancy.context import acting_as
    from cbrms.tenancy.scopes import _RULES
    from relationships.models import Membership
    from tests.factories import OrganizationFactory

    rule = _RULES.pop(Membership)
    try:
        with acting_as(OrganizationFactory()), pytest.raises(ImproperlyConfigured):
            list(Membership.objects.all())
    finally:
        _RULES[Membership] = rule
