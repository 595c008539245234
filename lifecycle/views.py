"""Browser views of the lifecycle: the checklist, evidence, stage gates and the SER inbox.

They run under ``/o/<org_slug>/`` like every page of tenant data: ``Model.objects`` is scoped to
the acting organization, so anything outside it answers 404. A role without the capability
gets 403 before any object is looked up, so the answer tells nothing about what exists.

Every form is a plain POST that redirects with a message when it succeeds, and shows the
service's refusal next to the input it concerns when it does not. With HTMX the same forms
update the page in place: a requirement's card is swapped (the stage's counts and the gate
panel follow out of band); a gate request or decision reloads the page, since the stage, its
checklist and the decision record may all have moved.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from cbrms.errors import ApplicationError
from lifecycle import panels
from lifecycle.downloads import evidence_file_response
from lifecycle.forms import (
    EvidenceForm,
    EvidenceReplaceForm,
    EvidenceStatusForm,
    GateDecisionForm,
    GateRequestForm,
    PinVersionForm,
    RequirementPlanForm,
    RequirementStatusForm,
)
from lifecycle.models import (
    DecisionRecord,
    Evidence,
    EvidenceKind,
    EvidenceStatus,
    RecordKind,
    Requirement,
    RequirementStatus,
    Stage,
)
from lifecycle.selectors.checklist import assignable_members, checklist_requirements
from lifecycle.selectors.documents import issued_versions, waiting_versions
from lifecycle.selectors.gates import approval_inbox
from lifecycle.services.evidence import evidence_create, evidence_update, version_answers
from lifecycle.services.gates import gate_decide, gate_decision_check, gate_request
from lifecycle.services.requirements import requirement_update
from relationships.models import Relationship, RelationshipStatus
from relationships.permissions import capability_required
from relationships.roles import Capability


def _relationship(pk: int) -> Relationship:
    return get_object_or_404(Relationship.objects.select_related("lead_organization"), pk=pk)


def _detail_url(request: HttpRequest, relationship: Relationship, *, stage=None, anchor="") -> str:
    url = reverse(
        "relationship-detail",
        kwargs={"org_slug": request.organization.slug, "pk": relationship.pk},
    )
    if stage is not None and stage != relationship.current_stage:
        url += f"?stage={stage}"
    return f"{url}#{anchor}" if anchor else url


# --- requirements and evidence ---------------------------------------------------------------


def _requirement(pk: int, requirement_pk: int) -> tuple[Relationship, Requirement]:
    relationship = _relationship(pk)
    requirement = get_object_or_404(
        Requirement.objects.select_related("item"), pk=requirement_pk, relationship=relationship
    )
    requirement.relationship = relationship
    return relationship, requirement


def _render_requirement(
    request: HttpRequest,
    relationship: Relationship,
    requirement: Requirement,
    *,
    feedback: str = "",
    bound: Form | None = None,
    bound_evidence: int | None = None,
) -> HttpResponse:
    """The requirement's card as it stands now, with a refused form (``bound``, about the
    evidence ``bound_evidence``) if any: swapped in place for HTMX, else on a page of its own
    (the plain-POST answer to a refused form)."""
    stage = requirement.stage
    # Read again: a refused update leaves the instance in memory changed.
    requirement = checklist_requirements(relationship, stage, pk=requirement.pk).first()
    if requirement is None:
        raise Http404("Not a requirement of the catalog this relationship runs on.")
    requirement.relationship = relationship
    panels.prepare_requirement(
        request, requirement, feedback=feedback, bound=bound, bound_evidence=bound_evidence
    )
    context = {
        "relationship": relationship,
        "requirement": requirement,
        "stage_number": stage,
        "stage_name": Stage(stage).label,
    }
    if request.htmx:
        # The counts of the timeline and the gate's staleness may have changed with it.
        context.update(
            timeline=panels.timeline(request, relationship, stage),
            **panels.stage_progress(relationship, stage),
            **panels.gate_panel_context(request, relationship),
            oob=True,
        )
        return render(request, "lifecycle/_requirement_swap.html", context)
    return render(request, "lifecycle/requirement_page.html", context)


def _saved(
    request: HttpRequest, relationship: Relationship, requirement: Requirement, message: str
) -> HttpResponse:
    if request.htmx:
        return _render_requirement(request, relationship, requirement, feedback=message)
    messages.success(request, message)
    return redirect(
        _detail_url(
            request, relationship, stage=requirement.stage, anchor=f"requirement-{requirement.pk}"
        )
    )


@login_required
@require_GET
@capability_required(Capability.LIFECYCLE_VIEW)
def requirement_page(request: HttpRequest, org_slug: str, pk: int, requirement_pk: int):
    """One requirement on a page of its own (where a refused form lands without JavaScript)."""
    relationship, requirement = _requirement(pk, requirement_pk)
    return _render_requirement(request, relationship, requirement)


@login_required
@require_POST
@capability_required(Capability.REQUIREMENTS_EDIT)
def requirement_status(request: HttpRequest, org_slug: str, pk: int, requirement_pk: int):
    relationship, requirement = _requirement(pk, requirement_pk)
    form = RequirementStatusForm(request.POST, prefix=f"req-{requirement.pk}")
    if form.is_valid():
        try:
            requirement_update(
                requirement=requirement,
                organization=request.organization,
                by=request.membership,
                status=form.cleaned_data["status"],
                justification=form.cleaned_data["justification"],
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            status = RequirementStatus(requirement.status).label.lower()
            message = f"“{requirement.item.title}” is now {status}."
            return _saved(request, relationship, requirement, message)
    return _render_requirement(request, relationship, requirement, bound=form)


@login_required
@require_POST
@capability_required(Capability.REQUIREMENTS_EDIT)
def requirement_plan(request: HttpRequest, org_slug: str, pk: int, requirement_pk: int):
    """Set who owns the requirement and when it is due."""
    relationship, requirement = _requirement(pk, requirement_pk)
    form = RequirementPlanForm(
        request.POST, requirement=requirement, members=list(assignable_members())
    )
    if form.is_valid():
        changes = form.changes()
        if not changes:
            return _saved(request, relationship, requirement, "Nothing changed.")
        try:
            requirement_update(
                requirement=requirement,
                organization=request.organization,
                by=request.membership,
                **changes,
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            owner = requirement.owner.user if requirement.owner else "nobody"
            due = f"due {requirement.due_date:%-d %b %Y}" if requirement.due_date else "no due date"
            message = f"“{requirement.item.title}”: owned by {owner}, {due}."
            return _saved(request, relationship, requirement, message)
    return _render_requirement(request, relationship, requirement, bound=form)


@login_required
@require_POST
@capability_required(Capability.EVIDENCE_MANAGE)
def evidence_add(request: HttpRequest, org_slug: str, pk: int, requirement_pk: int):
    relationship, requirement = _requirement(pk, requirement_pk)
    form = EvidenceForm(request.POST, request.FILES, prefix=f"ev-{requirement.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            evidence = evidence_create(
                requirement=requirement,
                membership=request.membership,
                kind=data["kind"],
                title=data["title"],
                note=data["note"],
                url=data["url"],
                file=data["file"] or None,
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            message = f"Evidence “{evidence.title}” added to “{requirement.item.title}”."
            return _saved(request, relationship, requirement, message)
    return _render_requirement(request, relationship, requirement, bound=form)


@login_required
@require_POST
@capability_required(Capability.EVIDENCE_MANAGE)
def evidence_pin(request: HttpRequest, org_slug: str, pk: int, requirement_pk: int):
    """Attach an issued version of a document the requirement asks for, pinned to its hash."""
    relationship, requirement = _requirement(pk, requirement_pk)
    versions = [v for v in issued_versions(relationship) if version_answers(v, requirement)]
    form = PinVersionForm(request.POST, versions=versions, requirement=requirement)
    if form.is_valid():
        version = form.cleaned_data["document_version"]
        try:
            evidence = evidence_create(
                requirement=requirement,
                membership=request.membership,
                kind=EvidenceKind.DOCUMENT,
                title=f"{version.document.title}, version {version.number}",
                document_version=version,
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            message = f"“{evidence.title}” attached to “{requirement.item.title}”, as issued."
            return _saved(request, relationship, requirement, message)
    return _render_requirement(request, relationship, requirement, bound=form)


def _evidence(pk: int, evidence_pk: int) -> tuple[Relationship, Requirement, Evidence]:
    relationship = _relationship(pk)
    evidence = get_object_or_404(
        Evidence.objects.select_related("requirement__item"),
        pk=evidence_pk,
        relationship=relationship,
    )
    requirement = evidence.requirement
    requirement.relationship = relationship
    return relationship, requirement, evidence


_STATUS_DONE = {
    EvidenceStatus.APPROVED: "approved",
    EvidenceStatus.WITHDRAWN: "withdrawn",
    EvidenceStatus.DRAFT: "restored as a draft",
}


@login_required
@require_POST
@capability_required(Capability.EVIDENCE_MANAGE)
def evidence_status(request: HttpRequest, org_slug: str, pk: int, evidence_pk: int):
    """Approve a draft, withdraw evidence, or restore withdrawn evidence as a draft."""
    relationship, requirement, evidence = _evidence(pk, evidence_pk)
    was_met = requirement.status == RequirementStatus.MET
    form = EvidenceStatusForm(request.POST, evidence=evidence)
    if form.is_valid():
        try:
            evidence_update(
                evidence=evidence, membership=request.membership, status=form.cleaned_data["status"]
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            message = f"Evidence “{evidence.title}” {_STATUS_DONE[evidence.status]}."
            requirement.refresh_from_db(fields=["status"])
            if was_met and requirement.status != RequirementStatus.MET:
                message += " Nothing proves the requirement now: it is back in progress."
            return _saved(request, relationship, requirement, message)
    return _render_requirement(
        request, relationship, requirement, bound=form, bound_evidence=evidence.pk
    )


@login_required
@require_POST
@capability_required(Capability.EVIDENCE_MANAGE)
def evidence_replace(request: HttpRequest, org_slug: str, pk: int, evidence_pk: int):
    """A new version of evidence: new text, a new address or a new file."""
    relationship, requirement, evidence = _evidence(pk, evidence_pk)
    version, was_approved = evidence.version, evidence.status == EvidenceStatus.APPROVED
    form = EvidenceReplaceForm(request.POST, request.FILES, evidence=evidence)
    if form.is_valid():
        try:
            evidence_update(evidence=evidence, membership=request.membership, **form.changes())
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            if evidence.version == version:
                message = f"Evidence “{evidence.title}” saved; its content is unchanged."
            else:
                message = f"Evidence “{evidence.title}” replaced: now version {evidence.version}."
                if was_approved and evidence.status == EvidenceStatus.DRAFT:
                    message += " It is a draft again until someone approves the new version."
            return _saved(request, relationship, requirement, message)
    return _render_requirement(
        request, relationship, requirement, bound=form, bound_evidence=evidence.pk
    )


@login_required
@require_GET
@capability_required(Capability.LIFECYCLE_VIEW)
def evidence_download(request: HttpRequest, org_slug: str, pk: int, evidence_pk: int):
    """An evidence file, as an attachment, with the headers of the API's download."""
    relationship = _relationship(pk)
    evidence = get_object_or_404(Evidence.objects, pk=evidence_pk, relationship=relationship)
    return evidence_file_response(evidence)


# --- stage gates -----------------------------------------------------------------------------


def _render_gate(request: HttpRequest, relationship: Relationship, **state) -> HttpResponse:
    context = {
        "relationship": relationship,
        **panels.gate_panel_context(request, relationship, **state),
    }
    if request.htmx:
        return render(request, "lifecycle/_gate_panel.html", context)
    context.update(panels.decision_record_context(request, relationship))
    return render(request, "lifecycle/gate_page.html", context)


def _gate_done(request: HttpRequest, relationship: Relationship, message: str) -> HttpResponse:
    messages.success(request, message)
    if request.htmx:
        # Reload the page the form is on: the stage, its checklist and the record all moved.
        return HttpResponseClientRefresh()
    return redirect(_detail_url(request, relationship, anchor="gate-panel"))


@login_required
@require_GET
@capability_required(Capability.LIFECYCLE_VIEW)
def gate_page(request: HttpRequest, org_slug: str, pk: int):
    """The gate panel and the decision record on a page of their own."""
    return _render_gate(request, _relationship(pk))


@login_required
@require_POST
@capability_required(Capability.GATES_REQUEST)
def gate_request_view(request: HttpRequest, org_slug: str, pk: int):
    relationship = _relationship(pk)
    form = GateRequestForm(request.POST, current_stage=relationship.current_stage)
    missing: list[dict] = []
    if form.is_valid():
        try:
            gate = gate_request(
                relationship=relationship,
                requested_by=request.membership,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as error:
            form.add_application_error(error)
            missing = error.extra.get("missing", [])
        else:
            deciders = ", ".join(
                str(approver.membership.user)
                for approver in gate.approvers.select_related("membership__user")
            )
            message = f"Gate requested: {gate.get_gate_kind_display().lower()}. "
            message += f"Waiting for the decision of {deciders}." if deciders else ""
            return _gate_done(request, relationship, message.strip())
    return _render_gate(request, relationship, request_form=form, missing=missing)


def _decision_message(relationship: Relationship, before: int, approved: bool) -> str:
    if not approved:
        return f"You rejected the gate: stage {before} stays open."
    if relationship.status == RelationshipStatus.EXITED:
        return "You approved the gate: the relationship has exited."
    if relationship.current_stage != before:
        stage = relationship.current_stage
        return (
            f"You approved the gate: the relationship moved to stage {stage}, {Stage(stage).label}."
        )
    return "You approved the gate. It now waits for the other SERs."


@login_required
@require_POST
@capability_required(Capability.GATES_DECIDE)
def gate_decide_view(request: HttpRequest, org_slug: str, pk: int, gate_pk: int):
    """A SER's decision, in two steps: the decision is checked and shown back to confirm, and
    only the confirmed one is recorded (it cannot be taken back)."""
    relationship = _relationship(pk)
    gate = get_object_or_404(
        DecisionRecord.objects.select_related("relationship"),
        pk=gate_pk,
        relationship=relationship,
        kind=RecordKind.GATE_REQUESTED,
    )
    form = GateDecisionForm(request.POST)
    if not form.is_valid() or form.cleaned_data["change"]:
        return _render_gate(request, relationship, decision_form=form)
    decision = {
        "gate": gate,
        "approver": request.membership,
        "approve": form.approve,
        "comment": form.cleaned_data["comment"],
    }
    before = relationship.current_stage
    try:
        if not form.is_confirmed:
            gate_decision_check(**decision)
            return _render_gate(request, relationship, decision_form=form, confirming=True)
        gate_decide(**decision)
    except ApplicationError as error:
        form.add_application_error(error)
        return _render_gate(request, relationship, decision_form=form)
    relationship.refresh_from_db(fields=["current_stage", "status"])
    return _gate_done(request, relationship, _decision_message(relationship, before, form.approve))


# --- the SER's inbox -------------------------------------------------------------------------


@login_required
@require_GET
@capability_required(Capability.LIFECYCLE_VIEW)
def approvals(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Gates and document versions waiting for the signed-in SER's decision, oldest first."""
    rows = [
        {
            "entry": entry,
            "gate": entry.gate,
            "stale": entry.stale,  # same rule as the gate's, computed for all entries at once
            "to_stage_name": Stage(entry.gate.to_stage).label,
        }
        for entry in approval_inbox(membership=request.membership)
    ]
    versions = list(waiting_versions(membership=request.membership))
    return render(request, "lifecycle/approvals.html", {"rows": rows, "versions": versions})
