"""Emails about stage gates: to the SERs when one waits for them, to the requester when decided."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from cbrms.mail import absolute_url, send_once
from lifecycle.models import CLOSING_KINDS, DecisionRecord, GateApprover, RecordKind


def _gate(gate_id: int) -> DecisionRecord:
    return (
        DecisionRecord.objects.unscoped()  # unscoped(system): a mail job gets the gate's id
        .select_related("relationship", "actor_user", "organization")
        .get(pk=gate_id, kind=RecordKind.GATE_REQUESTED)
    )


def gate_requested_notify(*, gate_id: int, job_id: str | None = None) -> int:
    """Email every SER the gate still waits for. Returns the number of emails sent.

    The job may run after some SERs decided, or after the gate closed (a quick decision, a
    queue that was down): nobody is told a decision is awaited that is not. ``job_id``: the
    calling job's id; the same job delivered again emails nobody twice.
    """
    gate = _gate(gate_id)
    # unscoped(by-id): the gate's own entries
    entries = DecisionRecord.objects.unscoped().filter(gate=gate)
    if entries.filter(kind__in=CLOSING_KINDS).exists():
        return 0
    decided = entries.filter(
        kind__in=(RecordKind.APPROVED, RecordKind.REJECTED), actor__isnull=False
    ).values("actor_id")
    approvers = (
        GateApprover.objects.unscoped()  # unscoped(by-id): the gate's own approvers
        .filter(gate=gate)
        .exclude(membership_id__in=decided)
        .select_related("membership__user", "organization")
    )
    messages = {}
    for approver in approvers:
        context = {
            "gate": gate,
            "approver": approver,
            # Straight to the decision form, with the evidence below it.
            "url": absolute_url(
                reverse(
                    "relationship-gate",
                    kwargs={"org_slug": approver.organization.slug, "pk": gate.relationship_id},
                )
            ),
        }
        subject = (
            f"Stage gate waiting for your decision: {gate.relationship.name}, "
            f"stage {gate.from_stage}"
        )
        body = render_to_string("lifecycle/email/gate_requested.txt", context)
        messages[f"membership:{approver.membership_id}"] = (
            subject,
            body,
            settings.DEFAULT_FROM_EMAIL,
            [approver.membership.user.email],
        )
    return send_once(messages, job_id=job_id)


def gate_decided_notify(*, gate_id: int, job_id: str | None = None) -> int:
    """Email the requester the outcome of their gate (once per ``job_id``, as above)."""
    gate = _gate(gate_id)
    outcome = (
        DecisionRecord.objects.unscoped()  # unscoped(by-id): the gate's own outcome
        .filter(gate=gate, kind__in=(RecordKind.GATE_PASSED, RecordKind.GATE_REOPENED))
        .first()
    )
    if outcome is None or gate.actor_user is None:
        return 0
    decisions = (
        DecisionRecord.objects.unscoped()  # unscoped(by-id): the gate's own decisions
        .filter(gate=gate, kind__in=(RecordKind.APPROVED, RecordKind.REJECTED))
        .select_related("actor_user", "organization")
        .order_by("id")
    )
    context = {
        "gate": gate,
        "passed": outcome.kind == RecordKind.GATE_PASSED,
        "decisions": decisions,
        "url": absolute_url(
            reverse(
                "relationship-detail",
                kwargs={"org_slug": gate.organization.slug, "pk": gate.relationship_id},
            )
        ),
    }
    verdict = "approved" if context["passed"] else "rejected"
    subject = f"Stage gate {verdict}: {gate.relationship.name}, stage {gate.from_stage}"
    body = render_to_string("lifecycle/email/gate_decided.txt", context)
    message = (subject, body, settings.DEFAULT_FROM_EMAIL, [gate.actor_user.email])
    return send_once({f"user:{gate.actor_user_id}": message}, job_id=job_id)
