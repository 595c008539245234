"""Two organizations saving the same joint section from the same version, at the same instant,
200 times over: each round has exactly one winner, the loser is told (412) and what the winner
wrote is what is stored. Real transactions, one database connection per thread."""

from __future__ import annotations

import pytest

from cbrms.errors import PreconditionFailed
from cbrms.tenancy.context import acting_as
from lifecycle.models import Section
from lifecycle.services.documents import document_create, section_save
from relationships.models import Role
from tests.factories import MembershipFactory, OrganizationFactory, make_relationship
from tests.lifecycle.staging import put_at_stage
from tests.lifecycle.test_gate_concurrency import at_the_same_instant

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 200


def test_two_writers_from_one_version_end_with_one_winner_each_round():
    lead_org, partner_org = OrganizationFactory(), OrganizationFactory()
    relationship = put_at_stage(make_relationship(lead=lead_org, partners=(partner_org,)), 4)
    writers = [
        MembershipFactory(organization=org, role=Role.RELATIONSHIP_MANAGER)
        for org in (lead_org, partner_org)
    ]
    with acting_as(lead_org):
        document = document_create(
            kind="joint_rmp",
            organization=lead_org,
            membership=writers[0],
            relationship=relationship,
        )
    section_id = Section.objects.unscoped().get(document=document, key="purpose").pk

    def save(writer, version: int, text: str):
        def call():
            with acting_as(writer.organization, user=writer.user, membership=writer):
                section = Section.objects.select_related("document__relationship").get(
                    pk=section_id
                )
                return section_save(
                    section=section, membership=writer, expected_version=version, body=text
                )

        return call

    winners = []
    for round_number in range(1, ROUNDS + 1):
        texts = [f"round {round_number} by {w.organization.slug}" for w in writers]
        results, errors = at_the_same_instant(
            [save(writer, round_number, text) for writer, text in zip(writers, texts, strict=True)]
        )
        assert len(results) == 1, (round_number, errors)
        assert [type(error) for error in errors] == [PreconditionFailed]
        stored = Section.objects.unscoped().get(pk=section_id)
        assert stored.version == round_number + 1
        assert stored.body == results[0].body  # the winner's text, whole
        assert stored.body in texts
        winners.append(stored.updated_by_id)
    # Both organizations won rounds: the lock is fair enough that neither was shut out.
    assert len(set(winners)) == 2
