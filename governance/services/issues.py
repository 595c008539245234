"""Issues and their escalation ladder.

Each relationship has a ladder (``ladder_of`` lays out the default one the first time: the
working team, the joint management team, the SERs). An issue starts on the first level and must
be settled before that level's time runs out (``level_due_at``); ``escalation_sweep`` (Celery
beat) moves every overdue issue up one level with a conditional UPDATE, so two sweeps at once
move it once, and emails the people of its new level. People escalate, de-escalate and resolve
by hand too, each time with a reason that is kept (``IssueStep``).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cbrms.errors import Conflict, ValidationFailed
from cbrms.tenancy.context import acting_as
from governance import tasks, webhooks
from governance.models import (
    EscalationAudience,
    EscalationLevel,
    Issue,
    IssueStatus,
    IssueStep,
    IssueStepKind,
)
from governance.services.registers import (
    ensure_may_change,
    ensure_may_write,
    ensure_owner,
    ensure_visibility,
    lock_for_change,
    save_changes,
)
from relationships.models import Membership, Relationship
from relationships.services.relationships import require_lead

#: The ladder a relationship starts with: (name, hours at the level, who it goes to).
DEFAULT_LADDER = (
    ("Working team", 72, EscalationAudience.OWNER),
    ("Joint management team", 120, EscalationAudience.MANAGERS),
    ("Senior executives (SERs)", 240, EscalationAudience.SERS),
)


def ladder_read(relationship: Relationship) -> list[EscalationLevel]:
    """The ladder as it stands, or the default one it would start with (not saved): reading it
    writes nothing."""
    # unscoped(by-id): the ladder of a relationship the caller resolved
    levels = list(EscalationLevel.objects.unscoped().filter(relationship=relationship))
    return levels or [
        EscalationLevel(
            relationship=relationship, position=i, name=name, hours=hours, audience=audience
        )
        for i, (name, hours, audience) in enumerate(DEFAULT_LADDER, start=1)
    ]


def ladder_of(relationship: Relationship) -> list[EscalationLevel]:
    """The relationship's ladder, bottom first; the default one the first time it is needed."""
    # unscoped(by-id): the ladder of a relationship the caller resolved
    levels = list(EscalationLevel.objects.unscoped().filter(relationship=relationship))
    if levels:
        return levels
    # unscoped(create): the default ladder of a relationship the caller resolved
    EscalationLevel.objects.unscoped().bulk_create(
        [
            EscalationLevel(
                relationship=relationship, position=i, name=name, hours=hours, audience=audience
            )
            for i, (name, hours, audience) in enumerate(DEFAULT_LADDER, start=1)
        ],
        ignore_conflicts=True,  # another request laid it out at the same moment
    )
    # unscoped(by-id): as above
    return list(EscalationLevel.objects.unscoped().filter(relationship=relationship))


@transaction.atomic
def ladder_set(*, relationship: Relationship, organization, levels: list[dict]) -> list:
    """The lead sets the ladder: ``levels`` bottom first, each ``name``, ``hours`` and
    ``audience``. A level that open issues stand on cannot be dropped."""
    require_lead(relationship=relationship, organization=organization, action="set the ladder")
    if not levels:
        raise ValidationFailed("A ladder has at least one level.", fields={"levels": ["Empty."]})
    current = {level.position: level for level in ladder_of(relationship)}
    for position, data in enumerate(levels, start=1):
        level = current.pop(position, None)
        if level is None:
            # unscoped(create): a new rung of the relationship's ladder
            EscalationLevel.objects.unscoped().create(
                relationship=relationship, position=position, **data
            )
        else:
            for field, value in data.items():
                setattr(level, field, value)
            level.save()
    for level in current.values():  # the rungs beyond the new top
        # unscoped(by-id): issues on a rung of this relationship, whoever owns them
        if Issue.objects.unscoped().filter(level=level).exists():
            raise Conflict(
                f"Issues stand on “{level.name}”: resolve or move them before dropping it.",
                code="level_in_use",
            )
        level.delete()
    return ladder_of(relationship)


def _step(issue: Issue, kind: str, *, by, reason="", from_level=None, to_level=None) -> None:
    # unscoped(create): the history of an issue the caller resolved
    IssueStep.objects.unscoped().create(
        issue=issue,
        relationship_id=issue.relationship_id,
        organization_id=issue.organization_id,
        visibility=issue.visibility,
        kind=kind,
        from_level=from_level,
        to_level=to_level,
        reason=reason,
        by=by,
    )


def _notify(issue: Issue) -> None:
    """Email the people of the issue's new level, once its move is committed."""
    ids = {"issue_id": issue.pk, "level_id": issue.level_id}
    organization_id = issue.organization_id
    transaction.on_commit(
        lambda: tasks.notify_issue_level.delay(organization_id=organization_id, **ids)
    )


@transaction.atomic
def issue_raise(
    *,
    relationship: Relationship,
    membership: Membership,
    title: str,
    visibility: str,
    description: str = "",
    owner: Membership | None = None,
) -> Issue:
    """Raise an issue on the first level of the ladder."""
    ensure_may_write(relationship=relationship, membership=membership)
    ensure_visibility(relationship=relationship, visibility=visibility)
    ensure_owner(owner=owner, organization_id=membership.organization_id)
    first = ladder_of(relationship)[0]
    # unscoped(create): a row of a relationship the caller resolved, owned by its organization
    issue = Issue.objects.unscoped().create(
        relationship=relationship,
        organization_id=membership.organization_id,
        visibility=visibility,
        owner=owner or membership,
        created_by=membership,
        title=title,
        description=description,
        level=first,
        level_due_at=timezone.now() + timedelta(hours=first.hours),
    )
    _step(issue, IssueStepKind.RAISED, by=membership, to_level=first)
    return issue


def _locked(issue: Issue) -> Issue:
    return (
        Issue.objects.unscoped()  # unscoped(lock): re-read under the lock
        .select_for_update(of=("self",))
        .select_related("relationship", "level")
        .get(pk=issue.pk)
    )


def _move(issue: Issue, membership: Membership, reason: str, step: int, kind: str) -> Issue:
    issue = _locked(issue)
    ensure_may_change(record=issue, membership=membership, changes={})
    if issue.status != IssueStatus.OPEN:
        raise Conflict("This issue is resolved.", code="issue_resolved")
    if not reason.strip():
        raise ValidationFailed("Say why.", fields={"reason": ["Required."]})
    ladder = ladder_of(issue.relationship)
    target = issue.level.position + step
    level = next((rung for rung in ladder if rung.position == target), None)
    if level is None:
        raise Conflict(
            "The issue is at the top of the ladder already."
            if step > 0
            else "The issue is at the first level already.",
            code="at_top" if step > 0 else "at_bottom",
        )
    previous = issue.level
    issue.level = level
    issue.level_due_at = timezone.now() + timedelta(hours=level.hours)
    issue.save(update_fields=["level", "level_due_at", "updated_at"])
    _step(issue, kind, by=membership, reason=reason, from_level=previous, to_level=level)
    _notify(issue)
    if kind == IssueStepKind.ESCALATED:
        webhooks.issue_escalated_emit(issue, previous_level=previous, reason=reason, by_person=True)
    return issue


@transaction.atomic
def issue_escalate(*, issue: Issue, membership: Membership, reason: str) -> Issue:
    return _move(issue, membership, reason, +1, IssueStepKind.ESCALATED)


@transaction.atomic
def issue_deescalate(*, issue: Issue, membership: Membership, reason: str) -> Issue:
    return _move(issue, membership, reason, -1, IssueStepKind.DEESCALATED)


@transaction.atomic
def issue_resolve(*, issue: Issue, membership: Membership, resolution: str) -> Issue:
    issue = _locked(issue)
    ensure_may_change(record=issue, membership=membership, changes={})
    if issue.status != IssueStatus.OPEN:
        raise Conflict("This issue is resolved already.", code="issue_resolved")
    if not resolution.strip():
        raise ValidationFailed("Say how it was resolved.", fields={"resolution": ["Required."]})
    issue.status = IssueStatus.RESOLVED
    issue.resolution = resolution
    issue.resolved_at = timezone.now()
    issue.save(update_fields=["status", "resolution", "resolved_at", "updated_at"])
    _step(issue, IssueStepKind.RESOLVED, by=membership, reason=resolution, from_level=issue.level)
    return issue


@transaction.atomic
def issue_update(*, issue: Issue, membership: Membership, **changes) -> Issue:
    """Change what describes an issue: its title, description, owner or audience (its level
    and status move through escalate, de-escalate and resolve)."""
    issue = lock_for_change(
        issue,
        membership=membership,
        changes=changes,
        editable=("title", "description", "owner", "visibility"),
    )
    save_changes(issue, changes)
    if "visibility" in changes:  # the history follows its issue's audience
        # unscoped(by-id): the history of this issue
        IssueStep.objects.unscoped().filter(issue=issue).update(visibility=issue.visibility)
    return issue


def escalation_sweep(*, now=None) -> int:
    """Move every open issue whose level ran out up one level; returns how many moved.

    Each move is one conditional UPDATE (the issue still open, still on the level and due time
    the sweep read): of two sweeps at once, one moves it and the other finds nothing to do.
    Issues at the top of their ladder stay there.
    """
    now = now or timezone.now()
    moved = 0
    overdue = list(
        Issue.objects.unscoped()  # unscoped(system): the sweep reads every organization's
        .filter(status=IssueStatus.OPEN, level_due_at__lte=now)
        .select_related("level", "organization")
        .order_by("level_due_at", "id")
    )
    # Every rung of the ladders concerned, in one query: (relationship, position) -> level.
    rungs = {
        (level.relationship_id, level.position): level
        for level in EscalationLevel.objects.unscoped().filter(  # unscoped(system): as above
            relationship_id__in={issue.relationship_id for issue in overdue}
        )
    }
    for issue in overdue:
        level = rungs.get((issue.relationship_id, issue.level.position + 1))
        if level is None:
            continue
        with transaction.atomic(), acting_as(issue.organization):
            updated = (
                Issue.objects.unscoped()  # unscoped(system): the conditional move itself
                .filter(
                    pk=issue.pk,
                    status=IssueStatus.OPEN,
                    level_id=issue.level_id,
                    level_due_at=issue.level_due_at,
                )
                .update(
                    level=level,
                    level_due_at=now + timedelta(hours=level.hours),
                    updated_at=now,
                )
            )
            if not updated:
                continue  # resolved, moved by hand, or moved by another sweep meanwhile
            previous = issue.level
            issue.level, issue.level_due_at = level, now + timedelta(hours=level.hours)
            reason = f"{previous.name} had {previous.hours} hours; the time ran out."
            _step(
                issue,
                IssueStepKind.ESCALATED,
                by=None,
                reason=reason,
                from_level=previous,
                to_level=level,
            )
            _notify(issue)
            webhooks.issue_escalated_emit(
                issue, previous_level=previous, reason=reason, by_person=False
            )
        moved += 1
    return moved
