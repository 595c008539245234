"""Browser pages of the trust surveys (rounds, answering, results, rounds compared) and of the
workspace's activity feed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from cbrms.errors import ApplicationError
from governance.activity import activity_events, describe
from governance.api.exports import csv_download
from governance.api.surveys import SurveyViewSet, result_rows
from governance.forms import SurveyAnswerForm, SurveyOpenForm, ThresholdForm
from governance.models import SurveyParticipation, SurveyRound
from governance.selectors import survey_results, survey_trend
from governance.services.surveys import survey_answer, survey_close, survey_open
from governance.views import relationship_of
from relationships.disclosure import request_disclosure
from relationships.permissions import can, capability_required
from relationships.roles import Capability
from relationships.services.relationships import relationship_update

ACTIVITY_PER_PAGE = 50


def _surveys_page(request, relationship, *, form=None, threshold_form=None, status=200):
    rounds = list(SurveyRound.objects.filter(relationship=relationship).order_by("-opened_at"))
    answered = set(
        SurveyParticipation.objects.filter(membership=request.membership).values_list(
            "round_id", flat=True
        )
    )
    is_lead = relationship.lead_organization_id == request.organization.pk
    may_run = can(request, Capability.SURVEYS_RUN)
    context = {
        "relationship": relationship,
        "rounds": [(survey, survey.pk in answered) for survey in rounds],
        "trend": survey_trend(relationship),
        "form": form or (SurveyOpenForm() if may_run else None),
        "threshold_form": threshold_form
        or (
            ThresholdForm(initial={"survey_threshold": relationship.survey_threshold})
            if may_run and is_lead
            else None
        ),
    }
    return render(request, "governance/surveys.html", context, status=status)


@login_required
@require_GET
@capability_required(Capability.REGISTERS_VIEW)
def survey_list(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    """The rounds, open and closed, and the closed ones compared."""
    return _surveys_page(request, relationship_of(pk))


@login_required
@require_POST
@capability_required(Capability.SURVEYS_RUN)
def survey_open_view(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    relationship = relationship_of(pk)
    form = SurveyOpenForm(request.POST)
    if form.is_valid():
        try:
            survey = survey_open(
                relationship=relationship, membership=request.membership, **form.cleaned_data
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, f"“{survey.title}” is open to every party's people.")
            return redirect("survey-page", org_slug=org_slug, pk=pk, survey_pk=survey.pk)
    return _surveys_page(request, relationship, form=form, status=400)


@login_required
@require_POST
@capability_required(Capability.SURVEYS_RUN)
def survey_threshold_view(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    relationship = relationship_of(pk)
    form = ThresholdForm(request.POST)
    if form.is_valid():
        try:
            relationship_update(
                relationship=relationship,
                organization=request.organization,
                survey_threshold=form.cleaned_data["survey_threshold"],
            )
        except ApplicationError as error:
            form.add_application_error(error, field="survey_threshold")
        else:
            messages.success(request, "Threshold saved: it applies to the rounds opened from now.")
            return redirect("survey-list", org_slug=org_slug, pk=pk)
    return _surveys_page(request, relationship, threshold_form=form, status=400)


def _survey(pk: int, survey_pk: int):
    relationship = relationship_of(pk)
    survey = get_object_or_404(SurveyRound, pk=survey_pk, relationship=relationship)
    return relationship, survey


def _survey_page(request, relationship, survey, *, form=None, status=200) -> HttpResponse:
    answered = SurveyParticipation.objects.filter(
        round=survey, membership=request.membership
    ).exists()
    may_answer = survey.is_open and not answered and can(request, Capability.SURVEYS_ANSWER)
    context = {
        "relationship": relationship,
        "survey": survey,
        "answered": answered,
        "form": form or (SurveyAnswerForm(survey=survey) if may_answer else None),
        "results": survey_results(survey),
        "may_close": survey.is_open
        and survey.organization_id == request.organization.pk
        and can(request, Capability.SURVEYS_RUN),
    }
    return render(request, "governance/survey.html", context, status=status)


@login_required
@require_GET
@capability_required(Capability.REGISTERS_VIEW)
def survey_page(request: HttpRequest, org_slug: str, pk: int, survey_pk: int) -> HttpResponse:
    relationship, survey = _survey(pk, survey_pk)
    return _survey_page(request, relationship, survey)


@login_required
@require_POST
@capability_required(Capability.SURVEYS_ANSWER)
def survey_answer_view(
    request: HttpRequest, org_slug: str, pk: int, survey_pk: int
) -> HttpResponse:
    relationship, survey = _survey(pk, survey_pk)
    form = SurveyAnswerForm(request.POST, survey=survey)
    if form.is_valid():
        try:
            survey_answer(survey=survey, membership=request.membership, answers=form.answers())
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "Thank you: your answers are in, without your name.")
            return redirect("survey-page", org_slug=org_slug, pk=pk, survey_pk=survey.pk)
    return _survey_page(request, relationship, survey, form=form, status=400)


@login_required
@require_POST
@capability_required(Capability.SURVEYS_RUN)
def survey_close_view(request: HttpRequest, org_slug: str, pk: int, survey_pk: int) -> HttpResponse:
    _, survey = _survey(pk, survey_pk)
    try:
        survey_close(survey=survey, membership=request.membership)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"“{survey.title}” is closed: its results are below.")
    return redirect("survey-page", org_slug=org_slug, pk=pk, survey_pk=survey.pk)


@login_required
@require_GET
@capability_required(Capability.REGISTERS_VIEW)
def survey_export(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    rounds = SurveyRound.objects.filter(relationship=relationship_of(pk)).order_by("closes_at")
    rows = ((survey, row) for survey in rounds for row in result_rows(survey))
    return csv_download(rows, SurveyViewSet.export_columns, filename="survey-results.csv")


# --- the activity feed -------------------------------------------------------------------------


@login_required
@require_GET
@capability_required(Capability.REGISTERS_VIEW)
def activity_page(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    """What changed in the workspace, newest first; ``?before=<id>`` for older changes."""
    relationship = relationship_of(pk)
    events = activity_events(relationship)
    before = request.GET.get("before", "")
    if before.isdigit():
        events = events.filter(pk__lt=int(before))
    page = list(events[: ACTIVITY_PER_PAGE + 1])
    more = len(page) > ACTIVITY_PER_PAGE
    page = page[:ACTIVITY_PER_PAGE]
    entries = describe(
        page, organization=request.organization, disclosure=request_disclosure(request)
    )
    context = {
        "relationship": relationship,
        "entries": entries,
        "older": page[-1].pk if more else None,
        "paged": bool(before),
    }
    return render(request, "governance/activity.html", context)
