"""Browser pages of the meetings register: meetings with their decisions and actions, and the
actions list with its filters."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from cbrms.errors import ApplicationError
from governance.api.exports import csv_response
from governance.api.meetings import ActionViewSet, MeetingViewSet, attendees_prefetch
from governance.forms import ActionForm, DecisionForm, MeetingForm
from governance.models import Action, ActionStatus, Decision, Meeting, MeetingStatus
from governance.services.meetings import (
    action_create,
    action_update,
    decision_record,
    decision_update,
    meeting_create,
    meeting_update,
    party_people,
)
from governance.views import relationship_of
from lifecycle.selectors.checklist import assignable_members
from relationships.permissions import can, capability_required
from relationships.roles import Capability

MEETINGS_PER_PAGE = 20
ACTIONS_PER_PAGE = 50


#: The tabs of the meetings page.
MEETING_TABS = {"all": "All", "upcoming": "Coming up", "held": "Held"}


def _meetings_page(request, relationship, *, form=None, status=200) -> HttpResponse:
    shown = request.GET.get("show", "all")
    shown = shown if shown in MEETING_TABS else "all"
    meetings = (
        Meeting.objects.filter(relationship=relationship)
        .select_related("organization", "owner__user")
        .prefetch_related("decisions")
        .order_by("-held_at", "-id")
    )
    if shown == "upcoming":
        meetings = meetings.filter(held_at__gte=timezone.now()).order_by("held_at", "id")
    elif shown == "held":
        meetings = meetings.filter(status=MeetingStatus.HELD)
    may_edit = can(request, Capability.REGISTERS_EDIT)
    context = {
        "tabs": MEETING_TABS,
        "shown": shown,
        "relationship": relationship,
        "page": Paginator(meetings, MEETINGS_PER_PAGE).get_page(request.GET.get("page")),
        "form": form
        or (
            MeetingForm(members=list(assignable_members()), people=party_people(relationship))
            if may_edit
            else None
        ),
    }
    return render(request, "governance/meetings.html", context, status=status)


@login_required
@require_GET
@capability_required(Capability.REGISTERS_VIEW)
def meeting_list(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    """The joint management team's meetings, newest first."""
    return _meetings_page(request, relationship_of(pk))


@login_required
@require_POST
@capability_required(Capability.REGISTERS_EDIT)
def meeting_create_view(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    relationship = relationship_of(pk)
    form = MeetingForm(
        request.POST, members=list(assignable_members()), people=party_people(relationship)
    )
    if form.is_valid():
        try:
            meeting = meeting_create(
                relationship=relationship, membership=request.membership, **form.service_arguments()
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, f"Meeting “{meeting.title}” saved.")
            return redirect("meeting-page", org_slug=org_slug, pk=pk, meeting_pk=meeting.pk)
    return _meetings_page(request, relationship, form=form, status=400)


def _meeting(pk: int, meeting_pk: int):
    relationship = relationship_of(pk)
    meeting = get_object_or_404(
        Meeting.objects.select_related("organization", "owner__user").prefetch_related(
            attendees_prefetch()
        ),
        pk=meeting_pk,
        relationship=relationship,
    )
    return relationship, meeting


def _meeting_page(
    request,
    relationship,
    meeting,
    *,
    form=None,
    decision_form=None,
    action_form=None,
    decision_forms=None,
    status=200,
) -> HttpResponse:
    may_edit = can(request, Capability.REGISTERS_EDIT)
    may_keep = may_edit and (
        meeting.visibility == "joint" or meeting.organization_id == request.organization.pk
    )
    people = party_people(relationship)
    decisions = list(meeting.decisions.select_related("organization").order_by("id"))
    if form is None and may_edit:
        form = MeetingForm(members=list(assignable_members()), people=people, instance=meeting)
    decision_forms = decision_forms or {}
    context = {
        "relationship": relationship,
        "meeting": meeting,
        "decisions": [
            (
                decision,
                decision_forms.get(decision.pk) or (_decision_form(decision) if may_keep else None),
            )
            for decision in decisions
        ],
        "actions": Action.objects.filter(meeting=meeting)
        .select_related("owner__user", "organization")
        .order_by("due_date", "id"),
        "form": form,
        "may_keep": may_keep,
        "decision_form": decision_form or (DecisionForm() if may_keep else None),
        "action_form": action_form
        or (
            ActionForm(
                people=people if meeting.visibility == "joint" else assignable_members(),
                decisions=decisions,
                initial={"visibility": meeting.visibility},
            )
            if may_keep
            else None
        ),
    }
    return render(request, "governance/meeting.html", context, status=status)


@login_required
@require_GET
@capability_required(Capability.REGISTERS_VIEW)
def meeting_page(request: HttpRequest, org_slug: str, pk: int, meeting_pk: int) -> HttpResponse:
    relationship, meeting = _meeting(pk, meeting_pk)
    return _meeting_page(request, relationship, meeting)


@login_required
@require_POST
@capability_required(Capability.REGISTERS_EDIT)
def meeting_update_view(
    request: HttpRequest, org_slug: str, pk: int, meeting_pk: int
) -> HttpResponse:
    relationship, meeting = _meeting(pk, meeting_pk)
    form = MeetingForm(
        request.POST,
        members=list(assignable_members()),
        people=party_people(relationship),
        instance=meeting,
    )
    if form.is_valid():
        try:
            meeting_update(
                meeting=meeting, membership=request.membership, **form.service_arguments()
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, f"“{meeting.title}” saved.")
            return redirect("meeting-page", org_slug=org_slug, pk=pk, meeting_pk=meeting.pk)
    return _meeting_page(request, relationship, meeting, form=form, status=400)


@login_required
@require_POST
@capability_required(Capability.REGISTERS_EDIT)
def decision_create_view(
    request: HttpRequest, org_slug: str, pk: int, meeting_pk: int
) -> HttpResponse:
    relationship, meeting = _meeting(pk, meeting_pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            decision_record(meeting=meeting, membership=request.membership, **form.cleaned_data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "Decision recorded.")
            return redirect("meeting-page", org_slug=org_slug, pk=pk, meeting_pk=meeting.pk)
    return _meeting_page(request, relationship, meeting, decision_form=form, status=400)


def _decision_form(decision: Decision, data=None) -> DecisionForm:
    return DecisionForm(
        data,
        prefix=f"decision-{decision.pk}",
        initial={"title": decision.title, "rationale": decision.rationale},
    )


@login_required
@require_POST
@capability_required(Capability.REGISTERS_EDIT)
def decision_update_view(
    request: HttpRequest, org_slug: str, pk: int, meeting_pk: int, decision_pk: int
) -> HttpResponse:
    """Change a decision's wording."""
    relationship, meeting = _meeting(pk, meeting_pk)
    decision = get_object_or_404(Decision.objects.filter(meeting=meeting), pk=decision_pk)
    form = _decision_form(decision, request.POST)
    if form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            decision_update(decision=decision, membership=request.membership, **changes)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "Decision saved.")
            return redirect("meeting-page", org_slug=org_slug, pk=pk, meeting_pk=meeting.pk)
    return _meeting_page(
        request, relationship, meeting, decision_forms={decision.pk: form}, status=400
    )


@login_required
@require_POST
@capability_required(Capability.REGISTERS_EDIT)
def meeting_action_create_view(
    request: HttpRequest, org_slug: str, pk: int, meeting_pk: int
) -> HttpResponse:
    relationship, meeting = _meeting(pk, meeting_pk)
    people = party_people(relationship) if meeting.visibility == "joint" else assignable_members()
    form = ActionForm(request.POST, people=people, decisions=list(meeting.decisions.all()))
    if form.is_valid():
        try:
            action_create(
                relationship=relationship,
                membership=request.membership,
                meeting=meeting,
                **form.service_arguments(),
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "Action given.")
            return redirect("meeting-page", org_slug=org_slug, pk=pk, meeting_pk=meeting.pk)
    return _meeting_page(request, relationship, meeting, action_form=form, status=400)


@login_required
@require_GET
@capability_required(Capability.REGISTERS_VIEW)
def meeting_export(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    meetings = (
        Meeting.objects.filter(relationship=relationship_of(pk))
        .select_related("organization", "owner__user")
        .prefetch_related(attendees_prefetch())
        .order_by("-held_at", "-id")
    )
    return csv_response(meetings, MeetingViewSet.export_columns, filename="meetings.csv")


# --- actions -----------------------------------------------------------------------------------

#: The filters of the actions page: value -> (label, condition).
ACTION_TABS = {
    "open": "Open",
    "overdue": "Overdue",
    "mine": "Mine",
    "done": "Done",
    "all": "All",
}


def _actions(request, relationship, shown: str):
    actions = Action.objects.filter(relationship=relationship).select_related(
        "organization", "owner__user", "meeting"
    )
    today = timezone.localdate()
    if shown == "open":
        actions = actions.filter(status=ActionStatus.OPEN)
    elif shown == "overdue":
        actions = actions.filter(status=ActionStatus.OPEN, due_date__lt=today)
    elif shown == "mine":
        actions = actions.filter(status=ActionStatus.OPEN, owner=request.membership)
    elif shown == "done":
        actions = actions.filter(status=ActionStatus.DONE)
    return actions.order_by("due_date", "id")


def _actions_page(request, relationship, *, form=None, status=200) -> HttpResponse:
    shown = request.GET.get("show", "open")
    shown = shown if shown in ACTION_TABS else "open"
    may_edit = can(request, Capability.REGISTERS_EDIT)
    page = Paginator(_actions(request, relationship, shown), ACTIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "relationship": relationship,
        "page": page,
        "tabs": ACTION_TABS,
        "shown": shown,
        "today": timezone.localdate(),
        "may_edit": may_edit,
        "form": form or (ActionForm(people=party_people(relationship)) if may_edit else None),
    }
    template = (
        "governance/_action_results.html"
        if request.htmx and request.htmx.target == "action-results"
        else "governance/actions.html"
    )
    return render(request, template, context, status=status)


@login_required
@require_GET
@capability_required(Capability.REGISTERS_VIEW)
def action_list(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    """Who does what by when: open, overdue, mine, done."""
    return _actions_page(request, relationship_of(pk))


@login_required
@require_POST
@capability_required(Capability.REGISTERS_EDIT)
def action_create_view(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    relationship = relationship_of(pk)
    form = ActionForm(request.POST, people=party_people(relationship))
    if form.is_valid():
        try:
            action = action_create(
                relationship=relationship, membership=request.membership, **form.service_arguments()
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, f"Action “{action.title}” given.")
            return redirect("action-list", org_slug=org_slug, pk=pk)
    return _actions_page(request, relationship, form=form, status=400)


def _action(pk: int, action_pk: int):
    relationship = relationship_of(pk)
    action = get_object_or_404(
        Action.objects.select_related("organization", "owner__user", "meeting", "decision"),
        pk=action_pk,
        relationship=relationship,
    )
    return relationship, action


def _action_page(request, relationship, action, *, form=None, status=200) -> HttpResponse:
    if form is None and can(request, Capability.REGISTERS_EDIT):
        form = ActionForm(people=assignable_members(), instance=action)
    context = {"relationship": relationship, "action": action, "form": form}
    return render(request, "governance/action.html", context, status=status)


@login_required
@require_GET
@capability_required(Capability.REGISTERS_VIEW)
def action_page(request: HttpRequest, org_slug: str, pk: int, action_pk: int) -> HttpResponse:
    relationship, action = _action(pk, action_pk)
    return _action_page(request, relationship, action)


@login_required
@require_POST
@capability_required(Capability.REGISTERS_EDIT)
def action_update_view(
    request: HttpRequest, org_slug: str, pk: int, action_pk: int
) -> HttpResponse:
    relationship, action = _action(pk, action_pk)
    form = ActionForm(request.POST, people=assignable_members(), instance=action)
    if form.is_valid():
        try:
            action_update(action=action, membership=request.membership, **form.service_arguments())
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, f"“{action.title}” saved.")
            return redirect("action-list", org_slug=org_slug, pk=pk)
    return _action_page(request, relationship, action, form=form, status=400)


@login_required
@require_POST
@capability_required(Capability.REGISTERS_EDIT)
def action_done_view(request: HttpRequest, org_slug: str, pk: int, action_pk: int) -> HttpResponse:
    """Mark an action done from the list. From HTMX, answers the row redrawn."""
    relationship, action = _action(pk, action_pk)
    try:
        action = action_update(
            action=action, membership=request.membership, status=ActionStatus.DONE
        )
    except ApplicationError as error:
        if request.htmx:
            context = {
                "relationship": relationship,
                "action": action,
                "error": error.message,
                "today": timezone.localdate(),
            }
            return render(request, "governance/_action_row.html", context, status=409)
        messages.error(request, error.message)
    else:
        if request.htmx:
            context = {
                "relationship": relationship,
                "action": action,
                "may_edit": True,
                "today": timezone.localdate(),
            }
            return render(request, "governance/_action_row.html", context)
        messages.success(request, f"“{action.title}” done.")
    return redirect("action-list", org_slug=org_slug, pk=pk)


@login_required
@require_GET
@capability_required(Capability.REGISTERS_VIEW)
def action_export(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    shown = request.GET.get("show", "all")
    actions = _actions(request, relationship_of(pk), shown if shown in ACTION_TABS else "all")
    return csv_response(actions, ActionViewSet.export_columns, filename="actions.csv")
