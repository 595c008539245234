"""Trust surveys: anonymous by the shape of the tables, results only for a closed round and only
for a party with at least the threshold of answers, rounds compared over time."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import DateTimeField, ForeignKey
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cbrms.audit.models import AuditEvent
from cbrms.tenancy.context import acting_as
from governance.models import SurveyAnswer, SurveyParticipation, SurveyRound, TrustIndicator
from governance.selectors import survey_results, survey_trend
from governance.services.surveys import survey_answer, survey_close, survey_open
from relationships.models import Relationship, Role
from tests.api_cases import ResourceCases
from tests.conftest import api_client_for
from tests.factories import MembershipFactory
from tests.governance.test_risks_api import at_stage_5

pytestmark = pytest.mark.django_db

ASKED = ["openness", "reliability"]


def open_round(world, title="Autumn round", indicators=ASKED) -> SurveyRound:
    at_stage_5(world)
    member = world.member("own", Role.RELATIONSHIP_MANAGER)
    with acting_as(world.own, user=member.user, membership=member):
        return survey_open(
            relationship=world.relationship,
            membership=member,
            title=title,
            closes_at=timezone.now() + datetime.timedelta(days=7),
            indicators=indicators,
        )


def answer(survey, organization, count: int, score: int = 4, comment: str = "") -> None:
    """``count`` new people of ``organization`` answer every indicator with ``score``."""
    for n in range(count):
        person = MembershipFactory(organization=organization, role=Role.VIEWER)
        with acting_as(organization, user=person.user, membership=person):
            survey_answer(
                survey=survey,
                membership=person,
                answers={key: (score, f"{comment} {n}".strip()) for key in survey.indicators},
            )


def close(world, survey) -> SurveyRound:
    with acting_as(world.own):
        return survey_close(
            survey=survey, membership=world.member("own", Role.RELATIONSHIP_MANAGER)
        )


def api(world, position="own", path="surveys/") -> str:
    slug = getattr(world, position).slug
    return f"/api/v1/orgs/{slug}/relationships/{world.relationship.pk}/{path}"


def test_a_party_with_two_answers_shows_nothing_and_is_left_out_of_the_joint_figures(world):
    survey = open_round(world)
    answer(survey, world.own, 5, score=4, comment="ours")
    answer(survey, world.partner, 2, score=1, comment="theirs")
    close(world, survey)
    client = api_client_for(world.member("own", Role.VIEWER))
    results = client.get(api(world, path=f"surveys/{survey.pk}/results/")).json()
    parties = {p["organization"]: p for p in results["parties"]}
    assert parties[world.own.slug]["shown"] is True
    assert parties[world.own.slug]["indicators"][0]["mean"] == 4.0
    assert parties[world.partner.slug] == {
        "organization": world.partner.slug,
        "answered": 2,
        "shown": False,
        "indicators": [],
    }
    assert [i["mean"] for i in results["joint"]] == [4.0, 4.0]  # the partner's 1s are left out
    text = str(results)
    assert "theirs" not in text  # not even their comments
    page = Client()
    page.force_login(world.member("partner", Role.VIEWER).user)
    shown = page.get(
        reverse("survey-page", args=[world.partner.slug, world.relationship.pk, survey.pk])
    )
    assert "Not enough answers to show (2 of the 5 needed)." in shown.text
    assert "theirs" not in shown.text


def test_results_wait_for_the_round_to_close(world):
    survey = open_round(world)
    answer(survey, world.own, 5)
    client = api_client_for(world.member("own", Role.VIEWER))
    early = client.get(api(world, path=f"surveys/{survey.pk}/results/"))
    assert early.status_code == 409
    assert early.json()["code"] == "survey_open"
    assert survey_results(survey) is None
    close(world, survey)
    assert client.get(api(world, path=f"surveys/{survey.pk}/results/")).status_code == 200


def test_each_person_answers_once_every_indicator_while_open_and_strangers_not_at_all(world):
    survey = open_round(world)
    person = world.member("partner", Role.VIEWER)
    client = api_client_for(person)
    url = api(world, "partner", f"surveys/{survey.pk}/answer/")
    partial = client.post(url, {"answers": [{"indicator": "openness", "score": 5}]}, format="json")
    assert partial.status_code == 400
    assert "reliability" in partial.json()["fields"]
    full = {"answers": [{"indicator": key, "score": 3} for key in ASKED]}
    assert client.post(url, full, format="json").status_code == 204
    again = client.post(url, full, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "already_answered"
    assert SurveyAnswer.objects.unscoped().count() == 2
    stranger = api_client_for(world.member("stranger", Role.VIEWER))
    assert (
        stranger.post(
            api(world, "stranger", f"surveys/{survey.pk}/answer/"), full, format="json"
        ).status_code
        == 404
    )
    close(world, survey)
    late = api_client_for(world.member("partner", Role.ADMIN))
    closed = late.post(url, full, format="json")
    assert closed.status_code == 409
    assert closed.json()["code"] == "survey_closed"


def test_no_answer_can_be_traced_to_a_person_even_with_database_access(world):
    survey = open_round(world)
    answer(survey, world.partner, 3, score=2)
    answer(survey, world.partner, 1, score=5)  # the last one in: nothing singles it out
    # The answer rows name no person and no time, and their ids are random.
    for model_field in SurveyAnswer._meta.get_fields():
        if isinstance(model_field, ForeignKey):
            assert model_field.related_model.__name__ in ("SurveyRound", "Organization")
        assert not isinstance(model_field, DateTimeField)
    assert SurveyAnswer._meta.pk.get_internal_type() == "UUIDField"
    # Who took part is recorded apart, and nothing of what they answered.
    assert {f.name for f in SurveyParticipation._meta.concrete_fields} == {
        "id",
        "round",
        "organization",
        "membership",
    }
    # Not in the audit trail (it names who acted), neither the answers nor who took part.
    tables = {SurveyAnswer._meta.db_table, SurveyParticipation._meta.db_table}
    assert not AuditEvent.objects.unscoped().filter(table__in=tables).exists()
    # Every row of the party was written by the last submission's transaction.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT xmin::text) FROM governance_surveyanswer "
            "WHERE round_id = %s AND organization_id = %s",
            [survey.pk, world.partner.pk],
        )
        assert cursor.fetchone()[0] == 1
    # Nobody reads raw answers through the scope, not even their own party.
    with acting_as(world.partner):
        assert not SurveyAnswer.objects.exists()
    assert (
        sorted(SurveyAnswer.objects.unscoped().values_list("score", flat=True)) == [2] * 6 + [5] * 2
    )


def test_the_threshold_is_never_below_three(world):
    lead = api_client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    refused = lead.patch(
        f"/api/v1/orgs/{world.own.slug}/relationships/{world.relationship.pk}/",
        {"survey_threshold": 2},
    )
    assert refused.status_code == 400
    assert "survey_threshold" in refused.json()["fields"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Relationship.objects.unscoped().filter(pk=world.relationship.pk).update(survey_threshold=2)
    assert (
        lead.patch(
            f"/api/v1/orgs/{world.own.slug}/relationships/{world.relationship.pk}/",
            {"survey_threshold": 3},
        ).status_code
        == 200
    )
    survey = open_round(world)
    assert survey.threshold == 3
    answer(survey, world.partner, 3)
    closed = close(world, survey)
    with acting_as(world.partner):
        results = survey_results(closed)
    assert [p.shown for p in results.parties if p.organization == world.partner] == [True]


def test_rounds_are_compared_over_time(world):
    spring = open_round(world, "Spring", indicators=list(TrustIndicator.values))
    answer(spring, world.own, 5, score=2)
    close(world, spring)
    autumn = open_round(world, "Autumn", indicators=list(TrustIndicator.values))
    answer(autumn, world.own, 5, score=4)
    close(world, autumn)
    SurveyRound.objects.unscoped().filter(pk=spring.pk).update(
        closes_at=timezone.now() - datetime.timedelta(days=100)
    )
    with acting_as(world.partner):
        trend = survey_trend(world.relationship)
    assert [r.title for r in trend["rounds"]] == ["Spring", "Autumn"]
    assert trend["rows"][0]["means"] == [2.0, 4.0]
    client = Client()
    client.force_login(world.member("partner", Role.VIEWER).user)
    page = client.get(reverse("survey-list", args=[world.partner.slug, world.relationship.pk]))
    assert "Rounds compared" in page.text


def test_answering_in_the_browser_keeps_the_scores_given_when_one_is_missing(world):
    survey = open_round(world)
    person = world.member("partner", Role.VIEWER)
    client = Client()
    client.force_login(person.user)
    url = reverse("survey-answer", args=[world.partner.slug, world.relationship.pk, survey.pk])
    refused = client.post(url, {"answer-openness_score": "4", "answer-openness_comment": "Fair"})
    assert refused.status_code == 400
    assert "Choose a score." in refused.text
    assert 'value="Fair"' in refused.text
    assert not SurveyParticipation.objects.unscoped().exists()
    done = client.post(url, {"answer-openness_score": "4", "answer-reliability_score": "5"})
    assert done.status_code == 302
    page = client.get(done["Location"])
    assert "You have answered this round." in page.text


class TestSurveyResource(ResourceCases):
    path = "relationships/{relationship}/surveys/"
    write_roles = frozenset({Role.ADMIN, Role.RELATIONSHIP_MANAGER})
    operations = frozenset({"list", "retrieve", "create"})

    def make_object(self, world):
        return open_round(world)

    def create_payload(self, world):
        at_stage_5(world)
        closes = timezone.now() + datetime.timedelta(days=10)
        return {"title": "Winter round", "closes_at": closes.isoformat()}
