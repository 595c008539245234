"""The workspace's activity feed (the audit trail, as the organization may read it) and the
daily reminder digest (one email per person per day, never twice, even from two runs at once)."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cbrms.celery import app as celery_app
from cbrms.tenancy.context import acting_as
from governance.beat import reminder_digests
from governance.models import Kpi, ReminderDigest, Risk
from governance.reminders import send_reminder_digests
from governance.services.risks import risk_update
from relationships.models import Role
from tests.conftest import api_client_for
from tests.governance.test_meetings import action
from tests.governance.test_objectives import kpi, objective
from tests.governance.test_risks_api import at_stage_5, risk

pytestmark = pytest.mark.django_db


def feed(world, position):
    slug = getattr(world, position).slug
    client = api_client_for(world.member(position, Role.VIEWER))
    url = f"/api/v1/orgs/{slug}/relationships/{world.relationship.pk}/activity/"
    return client.get(url).json()["results"]


def test_the_feed_tells_the_joint_changes_and_never_the_other_side_s_internal_ones(world):
    at_stage_5(world)
    joint = risk(world, visibility="joint", title="Peak capacity")
    risk(world, title="Northwind only: margin squeeze")
    member = world.member("own", Role.RELATIONSHIP_MANAGER)
    with acting_as(world.own, user=member.user, membership=member):
        risk_update(risk=joint, membership=member, likelihood=5)
    partner_feed = feed(world, "partner")
    sentences = [row["summary"] for row in partner_feed]
    assert sentences[0].endswith("changed risk “Peak capacity”")
    assert member.user.email in sentences[0]
    assert "Likelihood: 3 → 5" in partner_feed[0]["details"]
    assert not any("Northwind only" in s for s in sentences)
    assert any("Northwind only" in row["summary"] for row in feed(world, "own"))
    page = Client()
    page.force_login(world.member("partner", Role.VIEWER).user)
    text = page.get(reverse("activity", args=[world.partner.slug, world.relationship.pk])).text
    assert "Peak capacity" in text
    assert "Northwind only" not in text


def test_the_feed_is_about_the_registers_of_one_relationship(world):
    at_stage_5(world)
    risk(world, title="In this relationship")
    stranger_feed = api_client_for(world.member("stranger", Role.ADMIN)).get(
        f"/api/v1/orgs/{world.stranger.slug}/relationships/{world.relationship.pk}/activity/"
    )
    assert stranger_feed.status_code == 404
    rows = feed(world, "own")
    assert {row["object_type"] for row in rows} == {"governance.risk"}


def _due_things(world):
    """An overdue action, a KPI whose value is due and a risk to review, all the manager's."""
    today = timezone.localdate()
    action(world, title="Send the store list", due_date=today - datetime.timedelta(days=2))
    action(world, title="Far away", due_date=today + datetime.timedelta(days=30))
    kpi(world, objective(world), name="On-shelf availability")  # never measured: due now
    Risk.objects.unscoped().filter(pk=risk(world, title="Peak capacity").pk).update(
        next_review=today
    )
    # A KPI's first value is due a period after it is set: move this one's start back.
    Kpi.objects.unscoped().update(created_at=timezone.now() - datetime.timedelta(days=40))


def test_one_digest_a_day_with_every_due_thing_and_never_twice(world):
    _due_things(world)
    mail.outbox.clear()
    today = timezone.localdate()
    assert send_reminder_digests(today=today) == 1
    [digest] = mail.outbox
    manager = world.member("own", Role.RELATIONSHIP_MANAGER)
    assert digest.to == [manager.user.email]
    assert "3 things due, 2 overdue" in digest.subject
    for expected in (
        "Send the store list",
        "OVERDUE",
        "Record On-shelf availability",
        "Review Peak capacity",
    ):
        assert expected in digest.body
    assert "Far away" not in digest.body
    assert send_reminder_digests(today=today) == 0
    assert len(mail.outbox) == 1
    assert send_reminder_digests(today=today + datetime.timedelta(days=1)) == 1
    assert ReminderDigest.objects.count() == 2


def test_a_failed_send_is_tried_again_at_the_next_run(world, settings):
    _due_things(world)
    settings.EMAIL_BACKEND = "tests.governance.test_activity_and_reminders.FailingBackend"
    with pytest.raises(ConnectionError):
        send_reminder_digests(today=timezone.localdate())
    assert not ReminderDigest.objects.exists()  # nothing recorded as sent
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_reminder_digests(today=timezone.localdate()) == 1


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionError("the mail server is down")


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_one_digest(world):
    _due_things(world)
    mail.outbox.clear()
    barrier = threading.Barrier(2)
    sent = []

    def run():
        try:
            barrier.wait()
            sent.append(send_reminder_digests(today=timezone.localdate()))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sent) == [0, 1]
    assert len(mail.outbox) == 1


def test_beat_schedules_registered_jobs_and_the_digest_job_sends(world, settings):
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in celery_app.tasks, entry["task"]
    _due_things(world)
    mail.outbox.clear()
    # The result is read, not joined (``.get()``): Celery's "inside a task" flag is one global
    # that threads running eager tasks (a live server's) can leave set in this process.
    assert reminder_digests.apply(throw=True).result == 1
    assert len(mail.outbox) == 1
