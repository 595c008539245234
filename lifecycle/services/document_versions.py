"""Issuing a document: a version is the sections as they are, frozen and hashed, put to the SERs
with the stage gates' machinery (approvers written down at the request, decisions and the
outcome appended to the hash-chained ledger). Comparing two versions, section by section."""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from cbrms.errors import Conflict, PermissionRefused, ValidationFailed
from lifecycle import webhooks
from lifecycle.models import (
    ApproverPool,
    Document,
    DocumentVersion,
    RecordKind,
    Section,
    Stage,
    VersionStatus,
)
from lifecycle.sections import DOCUMENTS
from lifecycle.services.approvers import (
    ApprovalRule,
    ApproverSlot,
    active_party,
    approval_rule,
    approvers_payload,
    approvers_record,
    is_approver,
    recorded_decisions,
    requester_role,
)
from lifecycle.services.gates import gate_is_defeated, gate_is_satisfied
from lifecycle.services.ledger import organization_lock, record_append, relationship_lock
from relationships.models import (
    Membership,
    Party,
    PartyStatus,
    Relationship,
    Role,
    Visibility,
)
from relationships.services.relationships import relationship_ensure_open

# --- what a version holds --------------------------------------------------------------------


def document_snapshot(document: Document) -> list[dict]:
    """The document's sections as they stand, in order: what a version freezes."""
    spec = DOCUMENTS[document.kind]
    # unscoped(by-id): the document's own sections
    sections = Section.objects.unscoped().filter(document=document).order_by("position")
    frozen = []
    for section in sections:
        section_spec = spec.section(section.key)
        entry = {
            "key": section.key,
            "title": section_spec.title if section_spec else section.key,
            "body": section.body,
            "body_html": section.body_html,
            "fields": section.fields,
            "version": section.version,
        }
        if section_spec and section_spec.computed == "parties":
            entry["parties"] = _parties_snapshot(document.relationship)
        frozen.append(entry)
    return frozen


def _parties_snapshot(relationship: Relationship | None) -> list[dict]:
    """The parties and their SERs as the version states them. Not for an ecosystem: who its
    members are may be closed to its members, and the version is read by all of them."""
    if relationship is None or relationship.is_ecosystem:
        return []
    parties = (
        Party.objects.unscoped()  # unscoped(by-id): the relationship's active parties
        .filter(relationship=relationship, status=PartyStatus.ACTIVE)
        .select_related("organization", "ser__user")
        .order_by("id")
    )
    return [
        {
            "organization": party.organization.name,
            "role": party.get_role_display(),
            "ser": str(party.ser.user) if party.ser else "",
        }
        for party in parties
    ]


def content_hash(title: str, sections: list[dict]) -> str:
    canonical = json.dumps(
        {"title": title, "sections": sections},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- requesting the issue --------------------------------------------------------------------


def _stage(relationship: Relationship | None) -> int | None:
    """The stage a ledger entry is made in: none for the organization's own documents."""
    return relationship.current_stage if relationship is not None else None


def _corporate_requester_check(document: Document, requested_by: Membership) -> bool:
    """The corporate RMP: a relationship manager or an administrator of its organization asks;
    in a micro, small or medium organization its SER may ask too, and approve it alone."""
    if requested_by.organization_id != document.organization_id:
        raise PermissionRefused("Only the organization's own members ask for its issue.")
    if requested_by.role in (Role.ADMIN, Role.RELATIONSHIP_MANAGER):
        return False
    organization = document.organization
    if organization.is_sme and organization.ser_id == requested_by.pk:
        return True
    raise PermissionRefused(
        "A relationship manager or an administrator asks for an issue (or, in a micro, small "
        "or medium organization, its SER).",
        code="cannot_request_issue",
    )


def version_requester_check(*, document: Document, requested_by: Membership) -> bool:
    """Who may ask for a document's issue; returns whether the requester may also approve it
    (the SME profile's owner who is the party's own SER, recorded as such)."""
    if document.relationship is None:
        return _corporate_requester_check(document, requested_by)
    relationship = document.relationship
    party = active_party(relationship, requested_by.organization_id)
    if party is None:
        raise PermissionRefused("Only an active party of the relationship asks for an issue.")
    if document.visibility == Visibility.JOINT and relationship.is_ecosystem and not party.is_lead:
        raise PermissionRefused(
            "In an ecosystem the orchestrator asks for the issue of joint documents.",
            code="not_lead",
        )
    role = requester_role(relationship=relationship, party=party, requested_by=requested_by)
    if role:
        return role == "own_ser"
    raise PermissionRefused(
        "A relationship manager or an administrator asks for an issue (or, in the SME profile, "
        "the party's own SER).",
        code="cannot_request_issue",
    )


def version_approval_rule(document: Document) -> ApprovalRule:
    """Joint documents: the SER of every active party (an ecosystem's quorum rule applies).
    An organization's own document: its own SER (of the relationship, or of its management
    system for the corporate RMP)."""
    relationship = document.relationship
    if relationship is None:
        organization = document.organization
        if organization.ser_id is None:
            raise ValidationFailed(
                f"{organization.name} must name the SER of its management system first "
                "(an administrator does, on the Members page).",
                code="ser_missing",
            )
        slot = ApproverSlot(
            organization.pk, organization.name, organization.ser, ApproverPool.REQUIRED
        )
        return ApprovalRule(slots=(slot,), quorum=0)
    if document.visibility == Visibility.JOINT:
        return approval_rule(relationship=relationship, from_stage=Stage.WORKING_TOGETHER)
    party = active_party(relationship, document.organization_id)
    if party is None or party.ser_id is None:
        raise ValidationFailed(
            f"{document.organization.name} must name its SER for this relationship first.",
            code="ser_missing",
        )
    slot = ApproverSlot(
        party.organization_id, party.organization.name, party.ser, ApproverPool.REQUIRED
    )
    return ApprovalRule(slots=(slot,), quorum=0)


@transaction.atomic
def version_request(
    *, document: Document, requested_by: Membership, reason: str = ""
) -> DocumentVersion:
    """Freeze the document as it stands and ask its SERs to issue it."""
    if document.relationship_id:
        relationship = relationship_lock(document.relationship)
    else:
        relationship = None
        organization_lock(document.organization_id)
    self_approval = version_requester_check(document=document, requested_by=requested_by)
    if relationship is not None:
        relationship_ensure_open(relationship)
    # unscoped(by-id): the document's own versions
    versions = DocumentVersion.objects.unscoped().filter(document=document)
    pending = versions.filter(status=VersionStatus.IN_APPROVAL).first()
    if pending is not None:
        raise Conflict(
            f"Version {pending.number} is waiting for its SERs; one issue at a time.",
            code="version_pending",
            extra={"version": pending.number},
        )
    rule = version_approval_rule(document)
    sections = document_snapshot(document)
    digest = content_hash(document.title, sections)
    last_issued = versions.filter(status=VersionStatus.ISSUED).order_by("-number").first()
    if last_issued is not None and last_issued.content_hash == digest:
        raise Conflict(
            f"Nothing changed since version {last_issued.number} was issued.",
            code="nothing_changed",
        )
    number = (versions.aggregate(last=Max("number"))["last"] or 0) + 1
    organization_id = (
        requested_by.organization_id
        if document.visibility == Visibility.JOINT
        else document.organization_id
    )
    request = record_append(
        relationship=relationship,
        kind=RecordKind.ISSUE_REQUESTED,
        organization_id=organization_id,
        visibility=document.visibility,
        from_stage=_stage(relationship),
        to_stage=_stage(relationship),
        actor=requested_by,
        text=reason,
        payload={
            "document": document.pk,
            "document_kind": document.kind,
            "version": number,
            "content_hash": digest,
            **approvers_payload(rule),
            "self_approval": self_approval,
        },
    )
    approvers_record(
        request=request, relationship=relationship, visibility=document.visibility, rule=rule
    )
    # unscoped(create): the version of a document the caller resolved
    return DocumentVersion.objects.unscoped().create(
        document=document,
        relationship=relationship,
        organization_id=document.organization_id,
        visibility=document.visibility,
        number=number,
        title=document.title,
        sections=sections,
        content_hash=digest,
        request=request,
        requested_by=requested_by,
    )


# --- deciding ----------------------------------------------------------------------------------


def version_decision_check(
    *, version: DocumentVersion, approver: Membership, approve: bool, comment: str = ""
) -> dict[int, str]:
    """Refuse what ``version_decide`` would refuse; else the decisions recorded so far."""
    if version.status != VersionStatus.IN_APPROVAL:
        raise Conflict(f"Version {version.number} has been decided already.", code="version_closed")
    request = version.request
    if not is_approver(request, approver):
        raise PermissionRefused(
            "You are not one of the SERs this version waits for.", code="not_an_approver"
        )
    decisions = recorded_decisions(request)
    if approver.pk in decisions:
        raise Conflict("You have already decided on this version.", code="already_decided")
    if approver.pk == request.actor_id and not request.payload.get("self_approval"):
        raise PermissionRefused("You cannot approve the issue you asked for.", code="self_approval")
    if not approve and not comment.strip():
        raise ValidationFailed(
            "Say why you reject this version.", fields={"comment": ["Required for a rejection."]}
        )
    return decisions


@transaction.atomic
def version_decide(
    *, version: DocumentVersion, approver: Membership, approve: bool, comment: str = ""
) -> DocumentVersion:
    """One SER's decision; the last approval needed issues the version, a rejection that
    leaves it unable to pass rejects it. Each step is a ledger entry."""
    if version.relationship_id:
        relationship = relationship_lock(version.relationship)
    else:
        relationship = None
        organization_lock(version.organization_id)
    # unscoped(lock): re-read under the lock
    version = DocumentVersion.objects.unscoped().select_related("request").get(pk=version.pk)
    decisions = version_decision_check(
        version=version, approver=approver, approve=approve, comment=comment
    )
    request = version.request
    self_approved = approver.pk == request.actor_id
    entry = record_append(
        relationship=relationship,
        kind=RecordKind.APPROVED if approve else RecordKind.REJECTED,
        gate=request,
        organization_id=approver.organization_id
        if request.visibility == Visibility.JOINT
        else request.organization_id,
        visibility=request.visibility,
        from_stage=request.from_stage,
        to_stage=request.to_stage,
        actor=approver,
        text=comment,
        payload={"self_approved": True} if self_approved else {},
    )
    decisions[approver.pk] = entry.kind
    outcome = None
    if not approve and gate_is_defeated(request, decisions):
        outcome, version.status = RecordKind.VERSION_REJECTED, VersionStatus.REJECTED
    elif approve and gate_is_satisfied(request, decisions):
        outcome, version.status = RecordKind.VERSION_ISSUED, VersionStatus.ISSUED
    if outcome is not None:
        record_append(
            relationship=relationship,
            kind=outcome,
            gate=request,
            organization_id=request.organization_id,
            visibility=request.visibility,
            from_stage=request.from_stage,
            to_stage=request.to_stage,
            actor=approver,
            payload={"version": version.number, "content_hash": version.content_hash},
        )
        version.decided_at = timezone.now()
        version.save(update_fields=["status", "decided_at"])
        if version.status == VersionStatus.ISSUED:
            webhooks.document_issued_emit(version)
    return version


# --- comparing -------------------------------------------------------------------------------


@dataclass
class SectionDiff:
    key: str
    title: str
    change: str  # unchanged, changed, added, removed
    lines: list[dict] = field(default_factory=list)  # {"op": equal|insert|delete, "text"}
    fields: list[dict] = field(default_factory=list)  # {"key", "before", "after"}


@dataclass
class Comparison:
    before: str  # a version number, or "draft"
    after: str
    sections: list[SectionDiff]


def document_compare(*, document: Document, before: str | None, after: str | None) -> Comparison:
    """Two versions of ``document``, or a version and the draft (``"draft"``), section by
    section. ``before`` defaults to the latest version (the draft when there is none),
    ``after`` to the draft; anything else than one of its versions is refused."""
    # unscoped(by-id): the versions of a document the caller resolved
    versions = DocumentVersion.objects.unscoped().filter(document=document)
    if before is None:
        latest = versions.order_by("-number").values_list("number", flat=True).first()
        before = "draft" if latest is None else str(latest)
    after = after or "draft"

    def sections_of(which: str, name: str) -> list[dict]:
        if which == "draft":
            return document_snapshot(document)
        version = versions.filter(number=int(which)).first() if which.isdigit() else None
        if version is None:
            raise ValidationFailed(
                f"No version {which!r} of this document.",
                fields={name: ["A version number of this document, or draft."]},
            )
        return version.sections

    diffs = sections_compare(sections_of(before, "before"), sections_of(after, "after"))
    return Comparison(before, after, diffs)


def sections_compare(before: list[dict], after: list[dict]) -> list[SectionDiff]:
    """Section by section, in the later order: what changed in the text (line by line) and in
    the structured fields."""
    old = {s["key"]: s for s in before}
    new = {s["key"]: s for s in after}
    keys = [s["key"] for s in after] + [k for k in old if k not in new]
    diffs = []
    for key in keys:
        a, b = old.get(key), new.get(key)
        title = (b or a)["title"]
        if a is None or b is None:
            side = b or a
            op = "insert" if a is None else "delete"
            lines = [{"op": op, "text": line} for line in side["body"].splitlines()]
            diffs.append(SectionDiff(key, title, "added" if a is None else "removed", lines))
            continue
        lines = _line_diff(a["body"], b["body"])
        changed_fields = [
            {"key": name, "before": a["fields"].get(name), "after": b["fields"].get(name)}
            for name in sorted(set(a["fields"]) | set(b["fields"]))
            if a["fields"].get(name) != b["fields"].get(name)
        ]
        if a.get("parties") != b.get("parties"):
            changed_fields.append(
                {"key": "parties", "before": a.get("parties"), "after": b.get("parties")}
            )
        changed = any(line["op"] != "equal" for line in lines) or bool(changed_fields)
        diffs.append(
            SectionDiff(key, title, "changed" if changed else "unchanged", lines, changed_fields)
        )
    return diffs


def _line_diff(before: str, after: str) -> list[dict]:
    a, b = before.splitlines(), after.splitlines()
    lines = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            lines += [{"op": "equal", "text": line} for line in a[i1:i2]]
            continue
        lines += [{"op": "delete", "text": line} for line in a[i1:i2]]
        lines += [{"op": "insert", "text": line} for line in b[j1:j2]]
    return lines
