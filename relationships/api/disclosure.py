"""Serializer fields that name an organization or a person through ``relationships.disclosure``.

Every read serializer that shows who owns or did something (evidence, requirements, the audit
feed) uses these, so a member of an ecosystem whose directory is closed meets "another member"
where another member's name, slug or email would be.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from relationships.disclosure import ANOTHER_MEMBER, request_disclosure

HIDDEN_NOTE = (
    f"In an ecosystem whose member directory is closed to you, another member and its people "
    f'are not named: null here, and "{ANOTHER_MEMBER}" as the person\'s name.'
)


class PersonSerializer(serializers.Serializer):
    """A person named in a record: their membership, name and email, and their organization."""

    id = serializers.IntegerField(allow_null=True, help_text="Membership id; null if unnamed.")
    email = serializers.EmailField(allow_null=True)
    full_name = serializers.CharField()
    organization = serializers.CharField(allow_null=True, help_text="Organization slug.")


class _Disclosed(serializers.Field):
    """A read-only field computed from the whole object (``source="*"``)."""

    def __init__(self, *, relationship_attr: str = "relationship_id", **kwargs):
        self.relationship_attr = relationship_attr
        kwargs.setdefault("help_text", HIDDEN_NOTE)
        super().__init__(source="*", read_only=True, **kwargs)

    @property
    def disclosure(self):
        return request_disclosure(self.context["request"])

    def relationship_id(self, instance):
        return getattr(instance, self.relationship_attr)


@extend_schema_field({"type": "string", "nullable": True, "description": "Organization slug."})
class DisclosedOrganizationField(_Disclosed):
    """The slug of the organization at ``organization_attr``, or null when it goes unnamed."""

    def __init__(self, *, organization_attr: str = "organization", **kwargs):
        self.organization_attr = organization_attr
        super().__init__(**kwargs)

    def to_representation(self, instance):
        organization = getattr(instance, self.organization_attr)
        return self.disclosure.organization_slug(organization, self.relationship_id(instance))


@extend_schema_field(PersonSerializer(allow_null=True))
class DisclosedMemberField(_Disclosed):
    """The person of the membership at ``membership_attr`` (``user`` and ``organization``
    loaded), or null when there is none."""

    def __init__(self, *, membership_attr: str, **kwargs):
        self.membership_attr = membership_attr
        super().__init__(**kwargs)

    def to_representation(self, instance):
        membership = getattr(instance, self.membership_attr)
        person = self.disclosure.person(membership, self.relationship_id(instance))
        return None if person is None else person.as_dict("id")
