"""factory_boy factories. Relationships are made through the services, as users make them."""

from __future__ import annotations

import factory
from django.utils import timezone

from relationships.models import (
    Membership,
    Organization,
    Party,
    PartyStatus,
    Relationship,
    RelationshipType,
    Role,
    SizeClass,
    User,
)
from relationships.services.relationships import party_accept, party_invite, relationship_create
from relationships.services.tokens import token_create

PASSWORD = "correct-horse-battery-staple"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    size_class = SizeClass.LARGE
    sector = "Engineering"
    country = "GB"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.unscoped().create(*args, **kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.RELATIONSHIP_MANAGER

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.unscoped().create(*args, **kwargs)


def make_relationship(
    *,
    lead: Organization,
    partners: tuple[Organization, ...] = (),
    name: str = "Joint delivery partnership",
    type: str = RelationshipType.PARTNERSHIP,
    **kwargs,
) -> Relationship:
    """A relationship led by ``lead`` in which every one of ``partners`` is an active party."""
    relationship = relationship_create(organization=lead, name=name, type=type, **kwargs)
    for partner in partners:
        party = party_invite(relationship=relationship, organization=lead, invitee=partner)
        party_accept(party=party, organization=partner)
    return relationship


def make_token(membership: Membership, **kwargs) -> str:
    return token_create(membership=membership, name="test token", **kwargs).key


def active_party(relationship: Relationship, organization: Organization) -> Party:
    return Party.objects.unscoped().get(
        relationship=relationship, organization=organization, status=PartyStatus.ACTIVE
    )


def now():
    return timezone.now()
