"""Gate emails, sent by a real Celery worker once the request's transaction has committed.

The worker runs in a thread of the test process, on the test settings (the broker is Redis
database 1 of the test server, the mail backend the in-memory outbox) and against the test
database: the tests use ``transactional_db``, so the rows a request writes are committed and the
worker's own connection sees them. Each run consumes from a queue of its own, purged before the
worker starts and deleted afterwards, so that concurrent test runs on the same Redis never take
each other's jobs.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import before_task_publish, task_postrun
from django.conf import settings
from django.core import mail
from django.db import transaction

from cbrms.celery import app as celery_app
from lifecycle.tasks import notify_gate_decided, notify_gate_requested
from relationships.models import Relationship
from relationships.services.relationships import relationship_create
from tests.factories import make_relationship
from tests.lifecycle.builders import name_ser, settle, world_side

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

#: How long a test waits for the worker before it gives up (seconds).
TIMEOUT = 30.0


def wait_for(condition: Callable[[], bool], timeout: float = TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def outbox_reaches(count: int) -> list:
    assert wait_for(lambda: len(mail.outbox) >= count), (
        f"{len(mail.outbox)} email(s) after {TIMEOUT}s, expected {count}: "
        f"{[m.subject for m in mail.outbox]}"
    )
    time.sleep(0.3)  # anything sent twice would show now
    assert len(mail.outbox) == count, [m.subject for m in mail.outbox]
    return list(mail.outbox)


@pytest.fixture
def worker(transactional_db):
    """A real worker consuming this run's own queue; stopped (and the queue gone) afterwards."""
    app = celery_app
    # The test settings' broker (Redis database 1), never the development worker's.
    assert app.conf.broker_url == settings.CELERY_BROKER_URL != settings.REDIS_URL
    queue = f"cbrms-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=3)  # fail fast without Redis, never hang
        connection.default_channel.queue_purge(queue)
    saved = (app.conf.task_default_queue, app.conf.worker_hijack_root_logger)
    app.conf.task_default_queue = queue  # where .delay() sends, from now on
    app.conf.worker_hijack_root_logger = False  # pytest keeps the logging
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=30
        ) as running:
            yield running
    finally:
        app.conf.task_default_queue, app.conf.worker_hijack_root_logger = saved
        with app.connection_for_write() as connection:
            bound = app.amqp.queues[queue](connection.default_channel)
            bound.declare()  # the channel learns the bindings it then deletes
            bound.delete()


@pytest.fixture
def finished():
    """(task id, final state) of every job the worker ran during the test, in order."""
    states: list[tuple[str, str]] = []

    def record(task_id=None, state=None, **kwargs):
        states.append((task_id, state))

    task_postrun.connect(record, weak=False)
    yield states
    task_postrun.disconnect(record)


@pytest.fixture
def published():
    """Names of the tasks this test sent to the broker."""
    names: list[str] = []

    def record(sender=None, **kwargs):
        names.append(sender)

    before_task_publish.connect(record, weak=False)
    yield names
    before_task_publish.disconnect(record)


def joint_in_stage_5(world, name: str):
    lead = world_side(world, "own")
    partner = world_side(world, "partner")
    # Invited and accepted in one commit: the invitation's own email finds it answered, and
    # sends nothing (relationships.notifications.party_invited_notify).
    with transaction.atomic():
        relationship = make_relationship(lead=world.own, partners=(world.partner,), name=name)
    name_ser(relationship, lead.ser)
    name_ser(relationship, partner.ser)
    Relationship.objects.unscoped().filter(pk=relationship.pk).update(current_stage=5)
    settle(relationship, 5)
    return relationship, lead, partner


def link(side, relationship) -> str:
    return f"{settings.CBRMS_BASE_URL}/o/{side.organization.slug}/relationships/{relationship.pk}/"


def test_the_ser_s_are_asked_and_the_requester_hears_the_approval(world, worker, published):
    relationship, lead, partner = joint_in_stage_5(world, "Offshore wind maintenance")
    published.clear()  # the setting up's own jobs
    requested = lead.manager_api.post(lead.url(relationship, "gates/"), {}, format="json")
    assert requested.status_code == 201, requested.content
    gate_id = requested.json()["id"]

    asked = outbox_reaches(2)
    by_recipient = {message.to[0]: message for message in asked}
    assert sorted(by_recipient) == sorted([lead.ser.user.email, partner.ser.user.email])
    for side in (lead, partner):
        message = by_recipient[side.ser.user.email]
        assert "Offshore wind maintenance" in message.subject
        assert "Offshore wind maintenance" in message.body
        # Each SER's own organization's page of the gate: the decision form, evidence below.
        assert f"{link(side, relationship)}gate/" in message.body
        assert side.ser.user.full_name in message.body
    assert published == [notify_gate_requested.name]

    for side, comment in ((lead, "Targets agreed."), (partner, "Governance in place.")):
        decided = side.ser_api.post(
            side.url(relationship, f"gates/{gate_id}/approve/"), {"comment": comment}, "json"
        )
        assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "passed"

    [outcome] = outbox_reaches(3)[2:]
    assert outcome.to == [lead.manager.user.email]
    assert "approved" in outcome.subject
    assert "Offshore wind maintenance" in outcome.subject
    assert "approved" in outcome.body
    for ser, comment in ((lead.ser, "Targets agreed."), (partner.ser, "Governance in place.")):
        assert f"{ser.user.full_name} ({ser.organization.name}): Approved: {comment}" in (
            outcome.body
        )
    assert link(lead, relationship) in outcome.body
    assert published == [notify_gate_requested.name, notify_gate_decided.name]


def test_a_rejection_reaches_the_requester_with_the_comment(world, worker):
    lead = world_side(world, "own")
    relationship = relationship_create(organization=world.own, name="Catering", type="supplier")
    name_ser(relationship, lead.ser)
    settle(relationship, 1)
    gate = lead.manager_api.post(lead.url(relationship, "gates/"), {}, format="json").json()
    [asked] = outbox_reaches(1)
    assert asked.to == [lead.ser.user.email]
    assert "Catering" in asked.subject

    rejected = lead.ser_api.post(
        lead.url(relationship, f"gates/{gate['id']}/reject/"),
        {"comment": "The value analysis is missing."},
        format="json",
    )
    assert rejected.json()["status"] == "rejected"
    [outcome] = outbox_reaches(2)[1:]
    assert outcome.to == [lead.manager.user.email]
    assert "rejected" in outcome.subject
    assert "rejected" in outcome.body
    assert "The value analysis is missing." in outcome.body
    assert "approved" not in outcome.body.lower().replace("approve or reject", "")


def test_nothing_is_sent_for_a_request_whose_transaction_rolls_back(world, worker, published):
    relationship, lead, _ = joint_in_stage_5(world, "Rolled back")
    published.clear()  # the setting up's own jobs

    def request_then_fail():
        with transaction.atomic():
            inside = lead.manager_api.post(lead.url(relationship, "gates/"), {}, format="json")
            assert inside.status_code == 201, inside.content
            raise RuntimeError("the surrounding transaction fails after the request")

    with pytest.raises(RuntimeError, match="fails after the request"):
        request_then_fail()
    assert published == []  # nothing was even enqueued
    assert not wait_for(lambda: mail.outbox, timeout=1.0)

    # The worker is alive: the same request, committed, is announced.
    committed = lead.manager_api.post(lead.url(relationship, "gates/"), {}, format="json")
    assert committed.status_code == 201, committed.content
    assert len(outbox_reaches(2)) == 2
    assert published == [notify_gate_requested.name]


def test_a_job_delivered_twice_sends_each_email_once(world, worker, finished):
    """Jobs are acknowledged late: a worker lost after sending, before acknowledging, has the
    same job (the same id) delivered again."""
    relationship, lead, partner = joint_in_stage_5(world, "Delivered twice")
    gate = lead.manager_api.post(lead.url(relationship, "gates/"), {}, format="json").json()
    outbox_reaches(2)
    mail.outbox.clear()

    job = str(uuid.uuid4())
    for _ in range(2):
        notify_gate_requested.apply_async(
            kwargs={"organization_id": world.own.pk, "gate_id": gate["id"]}, task_id=job
        )
    assert wait_for(lambda: [state for task, state in finished if task == job] == ["SUCCESS"] * 2)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [lead.ser.user.email, partner.ser.user.email]
    )
