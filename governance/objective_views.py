"""Browser pages of the objectives register: objectives, their KPIs with a trend chart, and
the KPIs' values."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from cbrms.errors import ApplicationError
from governance.api.exports import csv_response
from governance.api.objectives import MeasurementViewSet, ObjectiveViewSet
from governance.forms import KpiForm, MeasurementForm, ObjectiveForm
from governance.models import Kpi, Measurement, Objective, ObjectiveStatus
from governance.selectors import kpis_with_values
from governance.services.objectives import (
    kpi_create,
    kpi_update,
    measurement_record,
    measurement_update,
    objective_create,
    objective_update,
)
from governance.views import relationship_of
from lifecycle.selectors.checklist import assignable_members
from relationships.permissions import can, capability_required
from relationships.roles import Capability

#: The tabs of the objectives page: status filter -> label.
TABS = {"active": "In progress", "closed": "Achieved, missed or withdrawn", "all": "All"}


def _objectives(relationship, shown: str):
    objectives = Objective.objects.filter(relationship=relationship).select_related(
        "organization", "owner__user"
    )
    if shown == "active":
        objectives = objectives.filter(status=ObjectiveStatus.ACTIVE)
    elif shown == "closed":
        objectives = objectives.exclude(status=ObjectiveStatus.ACTIVE)
    return objectives.order_by("target_date", "id")


def _with_kpis(relationship, objectives) -> list[tuple]:
    """(objective, its KPI states) in order; the KPIs and their values in two queries."""
    objectives = list(objectives)
    states = kpis_with_values(
        Kpi.objects.filter(relationship=relationship, objective__in=objectives)
    )
    return [(o, [s for s in states if s.kpi.objective_id == o.pk]) for o in objectives]


def _list_page(request, relationship, *, form=None, status=200) -> HttpResponse:
    shown = request.GET.get("status", "active")
    shown = shown if shown in TABS else "active"
    may_edit = can(request, Capability.REGISTERS_EDIT)
    context = {
        "relationship": relationship,
        "rows": _with_kpis(relationship, _objectives(relationship, shown)),
        "tabs": TABS,
        "shown": shown,
        "form": form or (ObjectiveForm(members=list(assignable_members())) if may_edit else None),
    }
    return render(request, "governance/objectives.html", context, status=status)


@login_required
@require_GET
@capability_required(Capability.REGISTERS_VIEW)
def objective_list(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    """The objectives and how their KPIs stand."""
    return _list_page(request, relationship_of(pk))


@login_required
@require_POST
@capability_required(Capability.REGISTERS_EDIT)
def objective_create_view(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    relationship = relationship_of(pk)
    form = ObjectiveForm(request.POST, members=list(assignable_members()))
    if form.is_valid():
        try:
            objective = objective_create(
                relationship=relationship, membership=request.membership, **form.service_arguments()
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, f"Objective “{objective.title}” set: now add its KPIs.")
            return redirect("objective-page", org_slug=org_slug, pk=pk, objective_pk=objective.pk)
    return _list_page(request, relationship, form=form, status=400)


def _objective(pk: int, objective_pk: int):
    relationship = relationship_of(pk)
    objective = get_object_or_404(
        Objective.objects.select_related("organization", "owner__user"),
        pk=objective_pk,
        relationship=relationship,
    )
    return relationship, objective


def _may_keep(request, objective) -> bool:
    """Whether the acting organization may add KPIs and values to ``objective`` (the services
    decide; this only spares forms that would be refused)."""
    return can(request, Capability.REGISTERS_EDIT) and (
        objective.visibility == "joint" or objective.organization_id == request.organization.pk
    )


def _objective_page(
    request,
    relationship,
    objective,
    *,
    form=None,
    kpi_form=None,
    value_forms=None,
    edit_forms=None,
    status=200,
) -> HttpResponse:
    may_edit = can(request, Capability.REGISTERS_EDIT)
    members = list(assignable_members())
    if form is None and may_edit:
        form = ObjectiveForm(members=members, instance=objective)
    may_keep = _may_keep(request, objective)
    states = kpis_with_values(Kpi.objects.filter(objective=objective))
    value_forms, edit_forms = value_forms or {}, edit_forms or {}
    context = {
        "relationship": relationship,
        "objective": objective,
        "kpis": [
            (
                state,
                value_forms.get(state.kpi.pk) or MeasurementForm(kpi=state.kpi),
                edit_forms.get(state.kpi.pk)
                or (_kpi_edit_form(state.kpi, members) if may_keep else None),
            )
            for state in states
        ],
        "form": form,
        "may_keep": may_keep,
        "kpi_form": kpi_form or (KpiForm(members=members) if may_keep else None),
    }
    return render(request, "governance/objective.html", context, status=status)


@login_required
@require_GET
@capability_required(Capability.REGISTERS_VIEW)
def objective_page(request: HttpRequest, org_slug: str, pk: int, objective_pk: int) -> HttpResponse:
    relationship, objective = _objective(pk, objective_pk)
    return _objective_page(request, relationship, objective)


@login_required
@require_POST
@capability_required(Capability.REGISTERS_EDIT)
def objective_update_view(
    request: HttpRequest, org_slug: str, pk: int, objective_pk: int
) -> HttpResponse:
    relationship, objective = _objective(pk, objective_pk)
    form = ObjectiveForm(request.POST, members=list(assignable_members()), instance=objective)
    if form.is_valid():
        try:
            objective_update(
                objective=objective, membership=request.membership, **form.service_arguments()
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, f"“{objective.title}” saved.")
            return redirect("objective-page", org_slug=org_slug, pk=pk, objective_pk=objective.pk)
    return _objective_page(request, relationship, objective, form=form, status=400)


@login_required
@require_POST
@capability_required(Capability.REGISTERS_EDIT)
def kpi_create_view(
    request: HttpRequest, org_slug: str, pk: int, objective_pk: int
) -> HttpResponse:
    relationship, objective = _objective(pk, objective_pk)
    form = KpiForm(request.POST, members=list(assignable_members()))
    if form.is_valid():
        try:
            kpi = kpi_create(
                objective=objective, membership=request.membership, **form.service_arguments()
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, f"KPI “{kpi.name}” added: record its first value below.")
            return redirect("objective-page", org_slug=org_slug, pk=pk, objective_pk=objective.pk)
    return _objective_page(request, relationship, objective, kpi_form=form, status=400)


def _kpi_edit_form(kpi: Kpi, members, data=None) -> KpiForm:
    return KpiForm(data, members=members, instance=kpi, prefix=f"kpi-{kpi.pk}")


@login_required
@require_POST
@capability_required(Capability.REGISTERS_EDIT)
def kpi_update_view(
    request: HttpRequest, org_slug: str, pk: int, objective_pk: int, kpi_pk: int
) -> HttpResponse:
    """Change a KPI's definition: its name, unit, target, direction, cadence, who records it."""
    relationship, objective = _objective(pk, objective_pk)
    kpi = get_object_or_404(Kpi.objects.filter(objective=objective), pk=kpi_pk)
    form = _kpi_edit_form(kpi, list(assignable_members()), request.POST)
    if form.is_valid():
        try:
            kpi_update(kpi=kpi, membership=request.membership, **form.service_arguments())
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, f"KPI “{kpi.name}” saved.")
            return redirect(
                reverse("objective-page", args=[org_slug, pk, objective.pk]) + f"#kpi-{kpi.pk}"
            )
    return _objective_page(request, relationship, objective, edit_forms={kpi.pk: form}, status=400)


def _kpi_card(request, relationship, objective, kpi, value_form, *, status=200) -> HttpResponse:
    """The KPI's card alone, as HTMX swaps it in after a value was recorded (or refused)."""
    [state] = kpis_with_values(Kpi.objects.filter(pk=kpi.pk))
    context = {
        "relationship": relationship,
        "objective": objective,
        "state": state,
        "value_form": value_form,
        "edit_form": _kpi_edit_form(kpi, list(assignable_members())),
        "may_keep": True,
        "saved": status == 200,
    }
    return render(request, "governance/_kpi_card.html", context, status=status)


def _record_or_correct(kpi: Kpi, membership, data: dict) -> None:
    """Record the period's value, or correct the one recorded when the member said so."""
    fields = {"value": data["value"], "note": data["note"]}
    existing = Measurement.objects.filter(kpi=kpi, period=data["period"]).first()
    if data["correct"] and existing is not None:
        measurement_update(measurement=existing, membership=membership, **fields)
    else:
        measurement_record(kpi=kpi, membership=membership, period=data["period"], **fields)


@login_required
@require_POST
@capability_required(Capability.REGISTERS_EDIT)
def measurement_create_view(
    request: HttpRequest, org_slug: str, pk: int, objective_pk: int, kpi_pk: int
) -> HttpResponse:
    """Record a KPI's value. From HTMX, answers the KPI's card alone (chart and values
    redrawn, or the form with its errors)."""
    relationship, objective = _objective(pk, objective_pk)
    kpi = get_object_or_404(Kpi.objects.filter(objective=objective), pk=kpi_pk)
    form = MeasurementForm(request.POST, kpi=kpi)
    if form.is_valid():
        try:
            _record_or_correct(kpi, request.membership, form.cleaned_data)
        except ApplicationError as error:
            form.add_application_error(error)
            if error.code == "already_measured":
                form.add_error("correct", "Tick this to replace the recorded value.")
        else:
            if request.htmx:
                return _kpi_card(request, relationship, objective, kpi, MeasurementForm(kpi=kpi))
            messages.success(request, f"{kpi.name}: value recorded.")
            return redirect("objective-page", org_slug=org_slug, pk=pk, objective_pk=objective.pk)
    if request.htmx:
        return _kpi_card(request, relationship, objective, kpi, form, status=400)
    return _objective_page(request, relationship, objective, value_forms={kpi.pk: form}, status=400)


@login_required
@require_GET
@capability_required(Capability.REGISTERS_VIEW)
def objective_export(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    shown = request.GET.get("status", "all")
    objectives = _objectives(relationship_of(pk), shown if shown in TABS else "all")
    return csv_response(objectives, ObjectiveViewSet.export_columns, filename="objectives.csv")


@login_required
@require_GET
@capability_required(Capability.REGISTERS_VIEW)
def measurement_export(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    """Every KPI value the organization may see, KPI by KPI, oldest first."""
    values = (
        Measurement.objects.filter(relationship=relationship_of(pk))
        .select_related("kpi", "organization")
        .order_by("kpi_id", "period")
    )
    return csv_response(values, MeasurementViewSet.export_columns, filename="kpi-values.csv")
