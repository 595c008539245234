"""Evidence on requirements: notes, links, files, and issued versions of controlled documents,
each with a content hash."""

from __future__ import annotations

import hashlib
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from cbrms.errors import PermissionRefused, ValidationFailed
from lifecycle.models import (
    DocumentVersion,
    Evidence,
    EvidenceKind,
    EvidenceStatus,
    Requirement,
    VersionStatus,
)
from lifecycle.sections import DOCUMENTS
from lifecycle.services.requirements import requirement_is_open, requirement_reopen_unproven
from relationships.models import Membership, Visibility
from relationships.services.relationships import relationship_ensure_open

# Extension -> the content type we serve it as. Binary formats must also *be* what they claim
# (checked on their magic bytes); text formats must decode as UTF-8.
ALLOWED_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".md": "text/markdown",
}
_TEXT = {".txt", ".csv", ".md"}
_ZIP_CONTAINERS = {".docx", ".xlsx", ".pptx", ".odt", ".ods"}


def _file_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={"file": [message]})


def _size_text(size: int) -> str:
    """1024 -> "1 KiB", 20 MiB -> "20 MiB": the limit as people read it (no "0 MiB")."""
    for unit, factor in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size >= factor:
            return f"{round(size / factor, 1):g} {unit}"
    return f"{size} bytes"


def _inspect_file(upload: UploadedFile) -> tuple[str, str, int]:
    """Check an upload against the limits; return (content type, sha256, size)."""
    max_bytes = settings.CBRMS_EVIDENCE_MAX_BYTES
    if upload.size > max_bytes:
        raise _file_error(f"The file is larger than {_size_text(max_bytes)}.")
    if upload.size == 0:
        raise _file_error("The file is empty.")
    suffix = PurePath(upload.name or "").suffix.lower()
    if suffix not in ALLOWED_TYPES:
        allowed = ", ".join(sorted(ALLOWED_TYPES))
        raise _file_error(f"Files of type '{suffix or 'none'}' are not accepted ({allowed}).")
    digest = hashlib.sha256()
    head = b""
    upload.seek(0)
    for chunk in upload.chunks():
        if len(head) < 8192:
            head += chunk[: 8192 - len(head)]
        digest.update(chunk)
    upload.seek(0)
    if suffix in _TEXT:
        if b"\x00" in head:
            raise _file_error("A text file must not hold binary data.")
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            if error.start < len(head) - 4:  # not merely a character cut at the 8 KiB edge
                raise _file_error("A text file must be UTF-8 encoded.") from None
    else:
        guessed = filetype.guess_mime(head)
        expected = "application/zip" if suffix in _ZIP_CONTAINERS else ALLOWED_TYPES[suffix]
        if guessed not in (expected, ALLOWED_TYPES[suffix]):
            raise _file_error(f"The file's content is not a {suffix} file.")
    return ALLOWED_TYPES[suffix], digest.hexdigest(), upload.size


def _text_hash(kind: str, text: str) -> str:
    return hashlib.sha256(f"{kind}:{text}".encode()).hexdigest()


def _safe_filename(name: str) -> str:
    return PurePath(name).name.replace("\r", "").replace("\n", "")[:255] or "evidence"


def version_answers(version: DocumentVersion, requirement: Requirement) -> bool:
    """Whether an issued ``version`` may prove ``requirement``: its document kind answers the
    requirement's catalog item, and it belongs where the requirement does (the same
    relationship, the same audience: a joint version for joint work, an organization's own
    internal version for its own internal work). The one statement of the rule: the browser
    offers only what it accepts."""
    if version.status != VersionStatus.ISSUED:
        return False
    if requirement.item.key not in DOCUMENTS[version.document.kind].answers:
        return False
    if version.relationship_id != requirement.relationship_id:
        return False
    if version.visibility != requirement.visibility:
        return False
    return (
        requirement.visibility != Visibility.INTERNAL
        or version.organization_id == requirement.organization_id
    )


def _pinned(version: DocumentVersion | None, requirement: Requirement) -> dict[str, object]:
    if version is None:
        raise ValidationFailed(
            "Name the issued version to attach.",
            fields={"document_version": ["This field is required."]},
        )
    if version.status != VersionStatus.ISSUED:
        raise ValidationFailed(
            "Only an issued version is evidence: this one is "
            f"{VersionStatus(version.status).label.lower()}.",
            code="version_not_issued",
            fields={"document_version": ["Not issued."]},
        )
    if not version_answers(version, requirement):
        raise ValidationFailed(
            f"{version.document.get_kind_display()} does not answer “{requirement.item.title}” "
            "here.",
            code="document_does_not_answer",
            fields={"document_version": ["Not a document this requirement asks for."]},
        )
    return {
        "document_version": version,
        "content_hash": version.content_hash,  # pinned: the version is immutable
        "note": "",
        "url": "",
        "size": 0,
    }


def _content(
    *,
    kind: str,
    note: str,
    url: str,
    file: UploadedFile | None,
    version: DocumentVersion | None = None,
    requirement: Requirement | None = None,
) -> dict[str, object]:
    if kind == EvidenceKind.DOCUMENT:
        return _pinned(version, requirement)
    if kind == EvidenceKind.NOTE:
        if not note.strip():
            raise ValidationFailed(
                "A note needs text.", fields={"note": ["This field is required."]}
            )
        return {"note": note, "url": "", "content_hash": _text_hash(kind, note), "size": len(note)}
    if kind == EvidenceKind.LINK:
        if not url.startswith(("https://", "http://")):
            raise ValidationFailed(
                "A link must be an http(s) address.", fields={"url": ["Enter an http(s) URL."]}
            )
        return {"url": url, "note": "", "content_hash": _text_hash(kind, url), "size": 0}
    if kind == EvidenceKind.FILE:
        if file is None:
            raise _file_error("Attach a file.")
        content_type, digest, size = _inspect_file(file)
        return {
            "file": file,
            "filename": _safe_filename(file.name),
            "content_type": content_type,
            "content_hash": digest,
            "size": size,
            "note": "",
            "url": "",
        }
    raise ValidationFailed("Unknown kind of evidence.", fields={"kind": ["Not a valid choice."]})


def _check_can_write(*, requirement: Requirement, membership: Membership) -> None:
    if (
        requirement.visibility == Visibility.INTERNAL
        and requirement.organization_id != membership.organization_id
    ):
        raise PermissionRefused("Only its own organization adds evidence to internal work.")


def _check_open(requirement: Requirement) -> None:
    """Evidence is part of the record a gate approved: it changes while its requirement may."""
    relationship_ensure_open(requirement.relationship)
    if not requirement_is_open(requirement):
        raise ValidationFailed(
            "This stage has passed its gate: its evidence is part of the approved record. Send "
            "the relationship back to change it.",
            code="stage_closed",
        )


@transaction.atomic
def evidence_create(
    *,
    requirement: Requirement,
    membership: Membership,
    kind: str,
    title: str,
    note: str = "",
    url: str = "",
    file: UploadedFile | None = None,
    owner: Membership | None = None,
    status: str | None = None,
    document_version: DocumentVersion | None = None,
) -> Evidence:
    """Attach evidence to a requirement, as ``membership``'s organization. An issued document
    version is approved evidence from the start (its SERs issued it); the rest starts as a
    draft unless ``status`` says otherwise."""
    _check_can_write(requirement=requirement, membership=membership)
    _check_open(requirement)
    if owner is not None and owner.organization_id != membership.organization_id:
        raise ValidationFailed(
            "The owner of evidence is a member of the organization that provides it.",
            fields={"owner": ["Not a member of your organization."]},
        )
    content = _content(
        kind=kind,
        note=note,
        url=url,
        file=file,
        version=document_version,
        requirement=requirement,
    )
    if status is None:
        status = EvidenceStatus.APPROVED if kind == EvidenceKind.DOCUMENT else EvidenceStatus.DRAFT
    # unscoped(create): on a requirement the caller resolved
    return Evidence.objects.unscoped().create(
        requirement=requirement,
        relationship_id=requirement.relationship_id,
        organization_id=membership.organization_id,
        visibility=requirement.visibility,
        kind=kind,
        title=title,
        status=status,
        owner=owner or membership,
        created_by=membership.user,
        **content,
    )


@transaction.atomic
def evidence_update(
    *,
    evidence: Evidence,
    membership: Membership,
    title: str | None = None,
    status: str | None = None,
    note: str | None = None,
    url: str | None = None,
    file: UploadedFile | None = None,
) -> Evidence:
    """Change evidence. New content raises the version and changes the content hash, and makes
    approved evidence a draft again; the last piece withdrawn reopens a met requirement
    (``requirement_reopen_unproven``)."""
    if evidence.organization_id != membership.organization_id:
        raise PermissionRefused("Only the organization that provided the evidence changes it.")
    _check_open(evidence.requirement)
    fields = ["updated_at"]
    if title is not None:
        evidence.title = title
        fields.append("title")
    if status is not None:
        evidence.status = status
        fields.append("status")
    if evidence.kind == EvidenceKind.DOCUMENT and any(v is not None for v in (note, url, file)):
        raise ValidationFailed(
            "An issued version is pinned: attach the newer version as evidence of its own.",
            code="evidence_pinned",
        )
    if evidence.kind == EvidenceKind.FILE and file is None and (note or url):
        raise ValidationFailed(
            "A file's content is its file: upload a new one, or add a note as its own evidence.",
            fields={"file": ["Upload the new version of the file."]},
        )
    if any(value is not None for value in (note, url, file)):
        content = _content(
            kind=evidence.kind,
            note=note if note is not None else evidence.note,
            url=url if url is not None else evidence.url,
            file=file,
        )
        if content["content_hash"] != evidence.content_hash:
            old_file = evidence.file.name if "file" in content else None
            for key, value in content.items():
                setattr(evidence, key, value)
            evidence.version += 1
            fields += [*content.keys(), "version"]
            # An approval is of the content approved: a new version is a draft until it is
            # approved in turn.
            if status is None and evidence.status == EvidenceStatus.APPROVED:
                evidence.status = EvidenceStatus.DRAFT
                fields.append("status")
            if old_file:
                transaction.on_commit(lambda: evidence.file.storage.delete(old_file))
    evidence.save(update_fields=fields)
    if status == EvidenceStatus.WITHDRAWN:
        requirement_reopen_unproven(requirement=evidence.requirement)
    return evidence


@transaction.atomic
def evidence_delete(*, evidence: Evidence, membership: Membership) -> None:
    if evidence.organization_id != membership.organization_id:
        raise PermissionRefused("Only the organization that provided the evidence removes it.")
    requirement = evidence.requirement
    _check_open(requirement)
    name = evidence.file.name if evidence.file else None
    evidence.delete()
    requirement_reopen_unproven(requirement=requirement)
    if name:
        storage = Evidence._meta.get_field("file").storage
        transaction.on_commit(lambda: storage.delete(name))
