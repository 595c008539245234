"""The checklist of one stage: each requirement's card with the forms the member may use."""

from __future__ import annotations

from django.forms import Form
from django.http import HttpRequest

from lifecycle.forms import (
    EvidenceForm,
    EvidenceReplaceForm,
    EvidenceStatusForm,
    PinVersionForm,
    RequirementPlanForm,
    RequirementStatusForm,
)
from lifecycle.models import EvidenceKind, Requirement, Stage
from lifecycle.selectors.checklist import assignable_members, checklist_requirements, stage_counts
from lifecycle.selectors.documents import issued_versions
from lifecycle.services.evidence import version_answers
from lifecycle.services.requirements import requirement_is_open
from relationships.models import Relationship
from relationships.permissions import can
from relationships.roles import Capability


def stage_progress(relationship: Relationship, stage: int) -> dict:
    settled, total = stage_counts(relationship, stage)
    return {"settled_count": settled, "requirement_count": total}


def prepare_requirement(
    request: HttpRequest,
    requirement: Requirement,
    *,
    members: list | None = None,
    feedback: str = "",
    bound: Form | None = None,
    bound_evidence: int | None = None,
    versions: list | None = None,
) -> Requirement:
    """Attach the forms the member may use, and feedback. ``bound`` is a refused form (it keeps
    what was typed and says why); ``bound_evidence`` the evidence it concerns, if any.
    ``members`` are who may own it, ``versions`` the relationship's issued document versions,
    each read once for a whole checklist."""
    editable = requirement_is_open(requirement)
    requirement.may_edit = editable and can(request, Capability.REQUIREMENTS_EDIT)
    requirement.may_add_evidence = editable and can(request, Capability.EVIDENCE_MANAGE)
    requirement.feedback = feedback

    def form(kind, make):
        if isinstance(bound, kind) and bound_evidence is None:
            return bound
        return make()

    if requirement.may_edit:
        requirement.status_form = form(
            RequirementStatusForm,
            lambda: RequirementStatusForm(
                prefix=f"req-{requirement.pk}",
                initial={"status": requirement.status, "justification": requirement.justification},
            ),
        )
        requirement.plan_form = form(
            RequirementPlanForm,
            lambda: RequirementPlanForm(
                requirement=requirement,
                members=list(assignable_members()) if members is None else members,
            ),
        )
        requirement.plan_open = isinstance(bound, RequirementPlanForm)
    if requirement.may_add_evidence:
        requirement.evidence_form = form(
            EvidenceForm, lambda: EvidenceForm(prefix=f"ev-{requirement.pk}")
        )
        requirement.evidence_open = isinstance(bound, EvidenceForm)
        if versions is None:
            versions = issued_versions(requirement.relationship)
        answering = [v for v in versions if version_answers(v, requirement)]
        if answering:
            requirement.pin_form = form(
                PinVersionForm,
                lambda: PinVersionForm(versions=answering, requirement=requirement),
            )
            requirement.pin_open = isinstance(bound, PinVersionForm)
    for evidence in requirement.evidence_items:
        # Evidence is changed by the organization that provided it, while its stage is open.
        evidence.may_change = (
            requirement.may_add_evidence and evidence.organization_id == request.organization.pk
        )
        if not evidence.may_change:
            continue
        mine = bound_evidence == evidence.pk
        evidence.status_form = (
            bound
            if mine and isinstance(bound, EvidenceStatusForm)
            else EvidenceStatusForm(evidence=evidence)
        )
        if evidence.kind == EvidenceKind.DOCUMENT:
            continue  # an issued version is pinned: nothing to replace
        evidence.replace_form = (
            bound
            if mine and isinstance(bound, EvidenceReplaceForm)
            else EvidenceReplaceForm(evidence=evidence)
        )
        evidence.replace_open = mine and isinstance(bound, EvidenceReplaceForm)
    # A refusal whose form is no longer offered (the stage passed its gate, the evidence is
    # another organization's) is still said, at the top of the card.
    shown = [
        getattr(requirement, "status_form", None),
        getattr(requirement, "plan_form", None),
        getattr(requirement, "evidence_form", None),
        getattr(requirement, "pin_form", None),
    ]
    for evidence in requirement.evidence_items:
        shown += [getattr(evidence, "status_form", None), getattr(evidence, "replace_form", None)]
    requirement.refusal = (
        bound if bound is not None and bound.errors and bound not in shown else None
    )
    return requirement


def checklist_context(request: HttpRequest, relationship: Relationship, stage: int) -> dict:
    requirements = []
    members = list(assignable_members())
    versions = issued_versions(relationship)
    for requirement in checklist_requirements(relationship, stage):
        requirement.relationship = relationship
        requirements.append(
            prepare_requirement(request, requirement, members=members, versions=versions)
        )
    return {
        "stage_number": stage,
        "stage_name": Stage(stage).label,
        "requirements": requirements,
        "stage_passed": stage < relationship.current_stage,
        "stage_closed": any(not requirement_is_open(r) for r in requirements),
        "stage_upcoming": stage > relationship.current_stage and not relationship.is_closed,
        "settled_count": sum(1 for r in requirements if r.is_settled),
        "requirement_count": len(requirements),
    }
