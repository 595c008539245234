"""Emails of the workspace registers."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from cbrms.mail import absolute_url, send_once
from governance.models import EscalationAudience, Issue, IssueStatus
from relationships.models import Membership, Party, PartyStatus, Visibility


def _recipients(issue: Issue) -> list[Membership]:
    """The people of the issue's level: its owner; or the relationship managers, or the SERs,
    of the parties that see it (an internal issue: its own organization only)."""
    audience = issue.level.audience
    if audience == EscalationAudience.OWNER:
        return [issue.owner] if issue.owner else []
    parties = (
        # unscoped(system): the parties that see the issue, to tell their people
        Party.objects.unscoped().filter(
            relationship_id=issue.relationship_id, status=PartyStatus.ACTIVE
        )
    )
    if issue.visibility == Visibility.INTERNAL:
        parties = parties.filter(organization_id=issue.organization_id)
    if audience == EscalationAudience.SERS:
        return [p.ser for p in parties.select_related("ser__user", "ser__organization") if p.ser]
    return list(
        # unscoped(system): the relationship managers of those parties
        Membership.objects.unscoped()
        .filter(organization__in=parties.values("organization"), role="relationship_manager")
        .select_related("user", "organization")
        .order_by("id")
    )


def issue_level_notify(*, issue_id: int, level_id: int, job_id: str | None = None) -> int:
    """Tell the people of an issue's level that it is theirs now. Nothing when the issue moved
    on or was resolved before the job ran; each person once per job."""
    issue = (
        Issue.objects.select_related("relationship", "level", "owner__user")
        .filter(pk=issue_id)
        .first()
    )
    if issue is None or issue.level_id != level_id or issue.status != IssueStatus.OPEN:
        return 0
    subject = f"Issue at {issue.level.name}: {issue.title}"
    messages = {}
    for membership in _recipients(issue):
        link = absolute_url(
            reverse(
                "issue-page",
                args=[membership.organization.slug, issue.relationship_id, issue.pk],
            )
        )
        context = {"issue": issue, "person": membership.user, "link": link}
        body = render_to_string("governance/email/issue_level.txt", context)
        key = f"issue:{issue.pk}:{level_id}:{membership.user_id}"
        messages[key] = (subject, body, settings.DEFAULT_FROM_EMAIL, [membership.user.email])
    return send_once(messages, job_id=job_id)
