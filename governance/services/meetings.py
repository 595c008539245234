"""Writes to the meetings register: meetings, the decisions taken at them, and actions.

A decision has the audience of its meeting. An action agreed at a joint meeting may be given
to a person of any active party: the row then belongs to that person's organization, so that
its people keep it up to date and their digests remind them of it."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from cbrms.errors import PermissionRefused, ValidationFailed
from governance.models import Action, ActionStatus, Decision, Meeting, MeetingStatus
from governance.services.registers import (
    ensure_may_write,
    ensure_owner,
    ensure_visibility,
    lock_for_change,
    save_changes,
)
from lifecycle.services.approvers import active_party
from relationships.models import Membership, Party, PartyStatus, Relationship, Visibility

MEETING_EDITABLE = (
    "title",
    "held_at",
    "location",
    "agenda",
    "minutes",
    "status",
    "owner",
    "visibility",
    "attendees",
)
DECISION_EDITABLE = ("title", "rationale")
ACTION_EDITABLE = ("title", "description", "due_date", "status", "owner", "visibility")


def party_people(relationship: Relationship):
    """The people an organization may name as attendees of a joint meeting, or owners of a
    joint action: the members of the relationship's active parties whose party list it may
    see (the scope of ``Party``: in a closed ecosystem, itself and the orchestrator)."""
    parties = Party.objects.filter(relationship=relationship, status=PartyStatus.ACTIVE)
    return (
        # unscoped(by-id): the people of the parties the scope shows, to name on joint rows
        Membership.objects.unscoped()
        .filter(organization_id__in=parties.values("organization_id"), user__is_active=True)
        .select_related("user", "organization")
        .order_by("organization__name", "user__full_name", "user__email")
    )


def resolve_people(relationship: Relationship, ids, *, field: str) -> list[Membership]:
    """Memberships from ids a client sent, each one of ``party_people``; 400 otherwise."""
    ids = list(dict.fromkeys(ids))
    found = party_people(relationship).in_bulk(ids)
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationFailed(
            "Not people of this relationship's parties.",
            fields={field: [f"Unknown person: {', '.join(map(str, missing))}."]},
        )
    return [found[pk] for pk in ids]


def _check_attendees(
    relationship: Relationship, attendees, *, visibility: str, organization_id: int
) -> None:
    """Attendees of a joint meeting are people of its active parties; of an internal one,
    of the organization that holds it."""
    for person in attendees:
        if visibility == Visibility.INTERNAL:
            allowed = person.organization_id == organization_id
        else:
            allowed = active_party(relationship, person.organization_id) is not None
        if not allowed:
            raise ValidationFailed(
                "Attendees are people of the parties that hold the meeting.",
                fields={"attendees": [f"{person.user} is not of a party that holds it."]},
            )


@transaction.atomic
def meeting_create(
    *,
    relationship: Relationship,
    membership: Membership,
    title: str,
    held_at: datetime.datetime,
    visibility: str,
    location: str = "",
    agenda: str = "",
    minutes: str = "",
    status: str = MeetingStatus.PLANNED,
    attendees=(),
    owner: Membership | None = None,
) -> Meeting:
    """Plan (or record) a meeting as ``membership``'s organization."""
    ensure_may_write(relationship=relationship, membership=membership)
    ensure_visibility(relationship=relationship, visibility=visibility)
    ensure_owner(owner=owner, organization_id=membership.organization_id)
    _check_attendees(
        relationship, attendees, visibility=visibility, organization_id=membership.organization_id
    )
    # unscoped(create): a row of a relationship the caller resolved, owned by its organization
    meeting = Meeting.objects.unscoped().create(
        relationship=relationship,
        organization_id=membership.organization_id,
        visibility=visibility,
        owner=owner or membership,
        created_by=membership,
        title=title,
        held_at=held_at,
        location=location,
        agenda=agenda,
        minutes=minutes,
        status=status,
    )
    meeting.attendees.set(attendees)
    return meeting


@transaction.atomic
def meeting_update(*, meeting: Meeting, membership: Membership, **changes) -> Meeting:
    attendees = changes.pop("attendees", None)
    meeting = lock_for_change(
        meeting, membership=membership, changes=changes, editable=MEETING_EDITABLE
    )
    shared = changes.get("visibility", meeting.visibility) != meeting.visibility
    save_changes(meeting, changes)
    if attendees is not None:
        _check_attendees(
            meeting.relationship,
            attendees,
            visibility=meeting.visibility,
            organization_id=meeting.organization_id,
        )
        meeting.attendees.set(attendees)
    if shared:
        # unscoped(by-id): the decisions of a meeting the caller may change
        Decision.objects.unscoped().filter(meeting=meeting).update(visibility=meeting.visibility)
    return meeting


def _ensure_may_add_to(meeting: Meeting, membership: Membership) -> None:
    ensure_may_write(relationship=meeting.relationship, membership=membership)
    if (
        meeting.visibility == Visibility.INTERNAL
        and meeting.organization_id != membership.organization_id
    ):
        raise PermissionRefused("An internal meeting is kept by its own organization only.")


@transaction.atomic
def decision_record(
    *, meeting: Meeting, membership: Membership, title: str, rationale: str = ""
) -> Decision:
    """Record a decision taken at ``meeting``."""
    _ensure_may_add_to(meeting, membership)
    # unscoped(create): a decision of a meeting the caller may change
    return Decision.objects.unscoped().create(
        meeting=meeting,
        relationship_id=meeting.relationship_id,
        organization_id=membership.organization_id,
        visibility=meeting.visibility,
        owner=membership,
        created_by=membership,
        title=title,
        rationale=rationale,
    )


@transaction.atomic
def decision_update(*, decision: Decision, membership: Membership, **changes) -> Decision:
    decision = lock_for_change(
        decision, membership=membership, changes=changes, editable=DECISION_EDITABLE
    )
    save_changes(decision, changes)
    return decision


def _action_home(
    relationship: Relationship, membership: Membership, owner: Membership | None, visibility: str
) -> int:
    """The organization an action belongs to: its owner's. Another party's person owns a
    joint action only."""
    if owner is None or owner.organization_id == membership.organization_id:
        return membership.organization_id
    if visibility != Visibility.JOINT or active_party(relationship, owner.organization_id) is None:
        raise ValidationFailed(
            "An internal action is owned by one of your people; a joint one by a person of "
            "an active party.",
            fields={"owner": ["Not a person this action can be given to."]},
        )
    return owner.organization_id


@transaction.atomic
def action_create(
    *,
    relationship: Relationship,
    membership: Membership,
    title: str,
    due_date: datetime.date,
    visibility: str,
    description: str = "",
    owner: Membership | None = None,
    meeting: Meeting | None = None,
    decision: Decision | None = None,
) -> Action:
    """Give someone something to do by ``due_date``, at a meeting or following a decision,
    or on its own."""
    ensure_may_write(relationship=relationship, membership=membership)
    ensure_visibility(relationship=relationship, visibility=visibility)
    if decision is not None:
        meeting = meeting or decision.meeting
        if decision.meeting_id != meeting.pk:
            raise ValidationFailed(
                "The decision was taken at another meeting.",
                fields={"decision": ["Not a decision of this meeting."]},
            )
    if meeting is not None:
        if meeting.relationship_id != relationship.pk:
            raise ValidationFailed(
                "The meeting is of another relationship.",
                fields={"meeting": ["Not a meeting of this relationship."]},
            )
        _ensure_may_add_to(meeting, membership)
        if meeting.visibility == Visibility.INTERNAL and visibility == Visibility.JOINT:
            raise ValidationFailed(
                "An internal meeting's actions are internal.",
                fields={"visibility": ["The meeting is internal."]},
            )
    organization_id = _action_home(relationship, membership, owner, visibility)
    # unscoped(create): a row of a relationship the caller resolved, owned by its owner's
    # organization (the caller's, or an active party's for a joint action)
    return Action.objects.unscoped().create(
        relationship=relationship,
        organization_id=organization_id,
        visibility=visibility,
        owner=owner or membership,
        created_by=membership,
        title=title,
        description=description,
        due_date=due_date,
        meeting=meeting,
        decision=decision,
    )


@transaction.atomic
def action_update(*, action: Action, membership: Membership, **changes) -> Action:
    """Change an action; marking it done records when, reopening it forgets that."""
    action = lock_for_change(
        action, membership=membership, changes=changes, editable=ACTION_EDITABLE
    )
    if (
        action.meeting_id
        and changes.get("visibility") == Visibility.JOINT
        and action.meeting.visibility == Visibility.INTERNAL
    ):
        raise ValidationFailed(
            "An internal meeting's actions are internal.",
            fields={"visibility": ["The meeting is internal."]},
        )
    status = changes.get("status", action.status)
    if status != action.status:
        changes["done_at"] = timezone.now() if status == ActionStatus.DONE else None
    save_changes(action, changes)
    return action
