"""Browser pages of the workspace registers. Views translate HTTP to the services and back; the
scope is the tenancy layer's, the rules the services'."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.views.decorators.http import require_GET, require_POST

from cbrms.errors import ApplicationError
from governance.api.export_jobs import export_request
from governance.api.exports import csv_response
from governance.api.issues import IssueViewSet
from governance.api.knowledge import EXPORT_COLUMNS as KNOWLEDGE_COLUMNS
from governance.api.risks import EXPORT_COLUMNS, RiskFilterSet
from governance.forms import (
    IssueForm,
    IssueMoveForm,
    KnowledgeForm,
    LadderForm,
    RiskForm,
)
from governance.models import Issue, IssueStatus, IssueStep, KnowledgeAsset, Risk, Sharing
from governance.selectors import LIKELIHOOD, risk_heat_map
from governance.services.issues import (
    issue_deescalate,
    issue_escalate,
    issue_raise,
    issue_resolve,
    ladder_read,
    ladder_set,
)
from governance.services.knowledge import knowledge_create, knowledge_update
from governance.services.risks import risk_create, risk_update
from lifecycle.selectors.checklist import assignable_members
from relationships.models import Relationship
from relationships.permissions import can, capability_required
from relationships.roles import Capability

RISKS_PER_PAGE = 50
#: The filters the page offers (the API's filter set reads them, so the page and the API agree).
PAGE_FILTERS = ("status", "visibility", "likelihood", "impact", "organization")


def relationship_of(pk: int) -> Relationship:
    """The relationship of a register page, through the scope: 404 when not visible."""
    return get_object_or_404(Relationship.objects.select_related("lead_organization"), pk=pk)


def _risks(relationship: Relationship, data: dict):
    """The API's filter set over the relationship's scoped risks: (filter set, rows)."""
    base = Risk.objects.filter(relationship=relationship).select_related(
        "organization", "owner__user", "owner__organization"
    )
    filterset = RiskFilterSet(data=MultiValueDict(data), queryset=base)
    return filterset, (filterset.qs if filterset.is_valid() else base.none())


def _filtered(request: HttpRequest, relationship: Relationship):
    """The risks the page shows, by the filters it offers."""
    data = {k: v for k, v in request.GET.lists() if k in PAGE_FILTERS and any(v)}
    return (*_risks(relationship, data), data)


def _heat_map(queryset, request, relationship) -> list[dict]:
    """The heat map of ``queryset``, each cell linking to the list filtered to it (the other
    filters kept)."""
    kept = [(k, v) for k, v in request.GET.lists() for v in v if k in ("status", "visibility")]
    base = reverse("risk-list", args=[request.organization.slug, relationship.pk])
    rows = risk_heat_map(queryset)
    for row in rows:
        for cell in row["cells"]:
            query = urlencode(
                [*kept, ("likelihood", cell["likelihood"]), ("impact", row["impact"])]
            )
            cell["url"] = f"{base}?{query}#risk-results"
    return rows


def _list_page(request, relationship, *, form=None, status=200):
    filterset, risks, data = _filtered(request, relationship)
    # The heat map keeps the status and audience filters, not the cell it offers to choose.
    _, heat = _risks(relationship, {k: v for k, v in data.items() if k in ("status", "visibility")})
    may_edit = can(request, Capability.REGISTERS_EDIT)
    page = Paginator(risks, RISKS_PER_PAGE).get_page(request.GET.get("page"))
    export_query = urlencode([(k, v) for k, vs in data.items() for v in vs])
    context = {
        "relationship": relationship,
        "filterset": filterset,
        "filters": data,
        "page": page,
        "heat_map": _heat_map(heat, request, relationship),
        "likelihoods": LIKELIHOOD,
        "may_edit": may_edit,
        "form": form or (RiskForm(members=list(assignable_members())) if may_edit else None),
        "export_url": reverse("risk-export", args=[request.organization.slug, relationship.pk])
        + (f"?{export_query}" if export_query else ""),
    }
    template = (
        "governance/_risk_results.html"
        if request.htmx and request.htmx.target == "risk-results"
        else "governance/risks.html"
    )
    return render(request, template, context, status=status)


@login_required
@require_GET
@capability_required(Capability.REGISTERS_VIEW)
def risk_list(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    """The risk register of a relationship: heat map, filters, list, and a form to add one."""
    return _list_page(request, relationship_of(pk))


@login_required
@require_POST
@capability_required(Capability.REGISTERS_EDIT)
def risk_create_view(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    relationship = relationship_of(pk)
    form = RiskForm(request.POST, members=list(assignable_members()))
    if form.is_valid():
        try:
            risk = risk_create(
                relationship=relationship, membership=request.membership, **form.service_arguments()
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, f"Risk “{risk.title}” recorded (score {risk.score}).")
            return redirect("risk-list", org_slug=org_slug, pk=pk)
    return _list_page(request, relationship, form=form, status=400)


def _risk(pk: int, risk_pk: int) -> tuple[Relationship, Risk]:
    relationship = relationship_of(pk)
    risk = get_object_or_404(
        Risk.objects.select_related("organization", "owner__user", "owner__organization"),
        pk=risk_pk,
        relationship=relationship,
    )
    return relationship, risk


def _risk_page(request, relationship, risk, form=None, status=200) -> HttpResponse:
    if form is None and can(request, Capability.REGISTERS_EDIT):
        form = RiskForm(members=list(assignable_members()), instance=risk)
    context = {"relationship": relationship, "risk": risk, "form": form}
    return render(request, "governance/risk.html", context, status=status)


@login_required
@require_GET
@capability_required(Capability.REGISTERS_VIEW)
def risk_page(request: HttpRequest, org_slug: str, pk: int, risk_pk: int) -> HttpResponse:
    """One risk, with the form to change it (a joint one by any party, an internal one by its
    own organization: the service says)."""
    relationship, risk = _risk(pk, risk_pk)
    return _risk_page(request, relationship, risk)


@login_required
@require_POST
@capability_required(Capability.REGISTERS_EDIT)
def risk_update_view(request: HttpRequest, org_slug: str, pk: int, risk_pk: int) -> HttpResponse:
    relationship, risk = _risk(pk, risk_pk)
    form = RiskForm(request.POST, members=list(assignable_members()), instance=risk)
    if form.is_valid():
        try:
            risk = risk_update(risk=risk, membership=request.membership, **form.service_arguments())
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, f"Risk “{risk.title}” saved (score {risk.score}).")
            return redirect("risk-list", org_slug=org_slug, pk=pk)
    return _risk_page(request, relationship, risk, form=form, status=400)


@login_required
@require_GET
@capability_required(Capability.REGISTERS_VIEW)
def risk_export(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    """The list as the page filters it, as CSV (the API's columns)."""
    relationship = relationship_of(pk)
    _, risks, _ = _filtered(request, relationship)
    return csv_response(risks.order_by("-score", "-id"), EXPORT_COLUMNS, filename="risks.csv")


# --- issues ----------------------------------------------------------------------------------


def _issues(relationship, shown: str):
    issues = Issue.objects.filter(relationship=relationship).select_related(
        "level", "owner__user", "organization"
    )
    if shown in IssueStatus.values:
        issues = issues.filter(status=shown)
    return issues.order_by("level_due_at", "id")


def _issues_page(request, relationship, *, form=None, ladder_form=None, status=200) -> HttpResponse:
    shown = request.GET.get("status", IssueStatus.OPEN)
    may_edit = can(request, Capability.REGISTERS_EDIT)
    ladder = ladder_read(relationship)
    sets_ladder = relationship.lead_organization_id == request.organization.pk and can(
        request, Capability.PARTIES_MANAGE
    )
    context = {
        "relationship": relationship,
        "page": Paginator(_issues(relationship, shown), 50).get_page(request.GET.get("page")),
        "shown": shown,
        "statuses": IssueStatus.choices,
        "ladder": ladder,
        "ladder_form": ladder_form or (LadderForm(levels=ladder) if sets_ladder else None),
        "form": form or (IssueForm(members=list(assignable_members())) if may_edit else None),
    }
    template = (
        "governance/_issue_results.html"
        if request.htmx and request.htmx.target == "issue-results"
        else "governance/issues.html"
    )
    return render(request, template, context, status=status)


@login_required
@require_GET
@capability_required(Capability.REGISTERS_VIEW)
def issue_list(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    """The relationship's issues, the most pressing first, its ladder, and a form to raise one."""
    return _issues_page(request, relationship_of(pk))


@login_required
@require_POST
@capability_required(Capability.REGISTERS_EDIT)
def issue_create_view(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    relationship = relationship_of(pk)
    form = IssueForm(request.POST, members=list(assignable_members()))
    if form.is_valid():
        try:
            issue = issue_raise(
                relationship=relationship, membership=request.membership, **form.cleaned_data
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(
                request,
                f"Issue “{issue.title}” raised at {issue.level.name}; it escalates if not "
                "settled in time.",
            )
            return redirect("issue-page", org_slug=org_slug, pk=pk, issue_pk=issue.pk)
    return _issues_page(request, relationship, form=form, status=400)


@login_required
@require_POST
@capability_required(Capability.PARTIES_MANAGE)
def ladder_update_view(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    """The lead sets the escalation ladder (``ladder_set``)."""
    relationship = relationship_of(pk)
    form = LadderForm(request.POST)
    if form.is_valid():
        try:
            ladder_set(
                relationship=relationship,
                organization=request.organization,
                levels=form.cleaned_data["levels"],
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "Escalation ladder saved.")
            return redirect("issue-list", org_slug=org_slug, pk=pk)
    return _issues_page(request, relationship, ladder_form=form, status=400)


@login_required
@require_GET
@capability_required(Capability.REGISTERS_VIEW)
def issue_export(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    issues = _issues(relationship_of(pk), request.GET.get("status", "all"))
    return csv_response(issues, IssueViewSet.export_columns, filename="issues.csv")


def _issue(pk: int, issue_pk: int) -> tuple[Relationship, Issue]:
    relationship = relationship_of(pk)
    issue = get_object_or_404(
        Issue.objects.select_related("level", "owner__user", "organization"),
        pk=issue_pk,
        relationship=relationship,
    )
    return relationship, issue


def _issue_page(request, relationship, issue, *, form=None, status=200) -> HttpResponse:
    steps = IssueStep.objects.filter(issue=issue).select_related(
        "from_level", "to_level", "by__user", "by__organization"
    )
    ladder = ladder_read(relationship)
    context = {
        "relationship": relationship,
        "issue": issue,
        "steps": steps.order_by("at", "id"),
        "ladder": ladder,
        "at_top": issue.level.position >= len(ladder),
        "form": form or (IssueMoveForm() if can(request, Capability.REGISTERS_EDIT) else None),
    }
    return render(request, "governance/issue.html", context, status=status)


@login_required
@require_GET
@capability_required(Capability.REGISTERS_VIEW)
def issue_page(request: HttpRequest, org_slug: str, pk: int, issue_pk: int) -> HttpResponse:
    relationship, issue = _issue(pk, issue_pk)
    return _issue_page(request, relationship, issue)


_MOVES = {
    "escalate": (issue_escalate, "reason", "Escalated to {level}."),
    "deescalate": (issue_deescalate, "reason", "Brought back to {level}."),
    "resolve": (issue_resolve, "resolution", "Resolved."),
}


@login_required
@require_POST
@capability_required(Capability.REGISTERS_EDIT)
def issue_move_view(request: HttpRequest, org_slug: str, pk: int, issue_pk: int) -> HttpResponse:
    """Escalate, de-escalate or resolve, with the reason or resolution typed beside it."""
    relationship, issue = _issue(pk, issue_pk)
    form = IssueMoveForm(request.POST)
    if form.is_valid():
        service, field, done = _MOVES[form.cleaned_data["action"]]
        try:
            issue = service(
                issue=issue, membership=request.membership, **{field: form.cleaned_data["text"]}
            )
        except ApplicationError as error:
            form.add_application_error(error, field="text")
        else:
            messages.success(request, done.format(level=issue.level.name))
            return redirect("issue-page", org_slug=org_slug, pk=pk, issue_pk=issue.pk)
    return _issue_page(request, relationship, issue, form=form, status=400)


# --- the knowledge-sharing register ----------------------------------------------------------


def _knowledge(relationship, request):
    assets = KnowledgeAsset.objects.filter(relationship=relationship).select_related(
        "organization", "owner__user"
    )
    sharing = request.GET.get("sharing")
    if sharing in Sharing.values:
        assets = assets.filter(sharing=sharing)
    return assets.order_by("name", "id"), sharing if sharing in Sharing.values else ""


def _knowledge_page(request, relationship, *, form=None, status=200) -> HttpResponse:
    assets, sharing = _knowledge(relationship, request)
    may_edit = can(request, Capability.REGISTERS_EDIT)
    context = {
        "relationship": relationship,
        "assets": assets,
        "sharing": sharing,
        "classes": Sharing.choices,
        "form": form or (KnowledgeForm() if may_edit else None),
    }
    template = (
        "governance/_knowledge_results.html"
        if request.htmx and request.htmx.target == "knowledge-results"
        else "governance/knowledge.html"
    )
    return render(request, template, context, status=status)


@login_required
@require_GET
@capability_required(Capability.REGISTERS_VIEW)
def knowledge_list(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    """What may be handed over, on what terms, and what may not."""
    return _knowledge_page(request, relationship_of(pk))


@login_required
@require_POST
@capability_required(Capability.REGISTERS_EDIT)
def knowledge_create_view(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    relationship = relationship_of(pk)
    form = KnowledgeForm(request.POST)
    if form.is_valid():
        try:
            asset = knowledge_create(
                relationship=relationship, membership=request.membership, **form.service_arguments()
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, f"“{asset.name}”: {asset.get_sharing_display().lower()}.")
            return redirect("knowledge-list", org_slug=org_slug, pk=pk)
    return _knowledge_page(request, relationship, form=form, status=400)


def _asset(pk: int, asset_pk: int):
    relationship = relationship_of(pk)
    asset = get_object_or_404(
        KnowledgeAsset.objects.select_related("organization", "owner__user"),
        pk=asset_pk,
        relationship=relationship,
    )
    return relationship, asset


def _asset_page(request, relationship, asset, *, form=None, status=200) -> HttpResponse:
    if form is None and can(request, Capability.REGISTERS_EDIT):
        form = KnowledgeForm(instance=asset)
    context = {"relationship": relationship, "asset": asset, "form": form}
    return render(request, "governance/knowledge_asset.html", context, status=status)


@login_required
@require_GET
@capability_required(Capability.REGISTERS_VIEW)
def knowledge_page(request: HttpRequest, org_slug: str, pk: int, asset_pk: int) -> HttpResponse:
    relationship, asset = _asset(pk, asset_pk)
    return _asset_page(request, relationship, asset)


@login_required
@require_POST
@capability_required(Capability.REGISTERS_EDIT)
def knowledge_update_view(
    request: HttpRequest, org_slug: str, pk: int, asset_pk: int
) -> HttpResponse:
    relationship, asset = _asset(pk, asset_pk)
    form = KnowledgeForm(request.POST, instance=asset)
    if form.is_valid():
        try:
            asset = knowledge_update(
                asset=asset, membership=request.membership, **form.service_arguments()
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, f"“{asset.name}” saved.")
            return redirect("knowledge-list", org_slug=org_slug, pk=pk)
    return _asset_page(request, relationship, asset, form=form, status=400)


@login_required
@require_GET
@capability_required(Capability.REGISTERS_VIEW)
def knowledge_export(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    assets, _ = _knowledge(relationship_of(pk), request)
    return csv_response(assets, KNOWLEDGE_COLUMNS, filename="knowledge.csv")


# --- exports as jobs ---------------------------------------------------------------------


@login_required
@require_POST
@capability_required(Capability.REGISTERS_VIEW)
def export_request_view(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    """Ask for an export (a register, or everything) and follow its job on the job's page."""
    relationship = relationship_of(pk)
    try:
        job = export_request(
            relationship=relationship,
            membership=request.membership,
            scope=request.POST.get("scope", ""),
            format=request.POST.get("format", ""),
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("relationship-detail", org_slug=org_slug, pk=pk)
    return redirect("job-page", org_slug=org_slug, pk=job.pk)
