"""Exports as jobs: a register as CSV or Excel, or everything the organization may see of a
relationship as JSON (or an Excel workbook, a sheet per register). Each runs in a worker with
progress, through the same scope and the same columns as the register's streamed CSV
(``ExportMixin``): the job acts as the organization that asked, so it reads only what that
organization may read."""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from cbrms.errors import ValidationFailed
from cbrms.jobs.models import Job
from cbrms.jobs.registry import JobKind, register_job_kind
from cbrms.jobs.runs import JobOutput, JobRun
from cbrms.jobs.services import job_request
from governance.api.exports import ExportMixin, csv_rows
from governance.api.issues import IssueViewSet
from governance.api.knowledge import KnowledgeAssetViewSet
from governance.api.meetings import ActionViewSet, DecisionViewSet, MeetingViewSet
from governance.api.objectives import KpiViewSet, MeasurementViewSet, ObjectiveViewSet
from governance.api.risks import RiskViewSet
from lifecycle.models import DecisionRecord, Document, DocumentVersion, Evidence, Requirement
from relationships.disclosure import Disclosure
from relationships.models import Membership, Party, Relationship

JOB_KIND = "relationship_export"
#: What may be exported: a register (by its name in the API), or the whole relationship.
EVERYTHING = "relationship"
FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "json": ("application/json", "json"),
}
#: A spreadsheet's longest cell; longer text is cut there (Excel's own limit).
XLSX_CELL = 32_767
_SPOOL = 16 * 1024 * 1024  # bytes kept in memory before an export spills to a temporary file


@dataclass(frozen=True)
class Register:
    name: str
    label: str
    view: type[ExportMixin]

    def rows(self, relationship: Relationship):
        """The register's rows of ``relationship`` the acting organization sees, with the
        columns and order of its streamed CSV."""
        view = self.view()
        queryset = view.narrow_queryset(view.model.objects.filter(relationship=relationship))
        return queryset.order_by(*view.export_ordering)

    @property
    def columns(self):
        return self.view.export_columns


REGISTERS = {
    register.name: register
    for register in (
        Register("objectives", "Objectives", ObjectiveViewSet),
        Register("kpis", "KPIs", KpiViewSet),
        Register("measurements", "KPI values", MeasurementViewSet),
        Register("risks", "Risks", RiskViewSet),
        Register("issues", "Issues", IssueViewSet),
        Register("meetings", "Meetings", MeetingViewSet),
        Register("meeting-decisions", "Decisions", DecisionViewSet),
        Register("actions", "Actions", ActionViewSet),
        Register("knowledge", "Knowledge", KnowledgeAssetViewSet),
    )
}


def export_check(*, scope: str, format: str) -> None:
    """Whether ``scope`` (a register, or ``relationship``) can be exported as ``format``."""
    if scope != EVERYTHING and scope not in REGISTERS:
        raise ValidationFailed(
            f"Nothing to export called “{scope}”.",
            fields={"scope": [f"One of: {', '.join([*REGISTERS, EVERYTHING])}."]},
        )
    if format not in FORMATS:
        raise ValidationFailed(
            f"No export format “{format}”.", fields={"format": ["One of: csv, xlsx, json."]}
        )
    if scope == EVERYTHING and format == "csv":
        raise ValidationFailed(
            "The whole relationship is exported as JSON or as an Excel workbook, not as one CSV.",
            code="format_not_offered",
            fields={"format": ["json or xlsx for the whole relationship."]},
        )


def _title(relationship: Relationship, scope: str, format: str) -> str:
    what = "Everything" if scope == EVERYTHING else REGISTERS[scope].label
    return f"{what} of {relationship.name} ({format.upper()} export)"


def export_request(
    *, relationship: Relationship, membership: Membership, scope: str, format: str
) -> Job:
    """Ask for an export of ``relationship`` as the member's organization sees it."""
    export_check(scope=scope, format=format)
    with transaction.atomic():
        return job_request(
            organization=membership.organization,
            user=membership.user,
            kind=JOB_KIND,
            title=_title(relationship, scope, format),
            params={"relationship": relationship.pk, "scope": scope, "format": format},
        )


# --- writing --------------------------------------------------------------------------------


class _Progress:
    """Reports progress as rows are written, every few hundred rows (``JobRun.progress``)."""

    def __init__(self, run: JobRun, total: int, start: int = 5, end: int = 95) -> None:
        self.run, self.total, self.start, self.end, self.done = run, max(total, 1), start, end, 0

    def count(self, rows: Iterable) -> Iterable:
        for row in rows:
            yield row
            self.done += 1
            if self.done % 250 == 0:
                self.run.progress(self.start + (self.end - self.start) * self.done // self.total)


def _values(register: Register, row) -> list:
    return [read(row) for _, read in register.columns]


def _xlsx_cell(sheet, value):
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=value[:XLSX_CELL])
        cell.data_type = "s"  # text stays text: "=1+1" is never a formula
        return cell
    return value


def _write_xlsx(registers: list[Register], relationship, progress: _Progress, out) -> None:
    workbook = Workbook(write_only=True)
    for register in registers:
        sheet = workbook.create_sheet(register.label[:31])
        sheet.append([header for header, _ in register.columns])
        rows = register.rows(relationship).iterator(chunk_size=500)
        for row in progress.count(rows):
            sheet.append([_xlsx_cell(sheet, value) for value in _values(register, row)])
    workbook.save(out)


def _write_csv(register: Register, relationship, progress: _Progress, out) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    rows = register.rows(relationship).iterator(chunk_size=500)
    for line in csv_rows(progress.count(rows), register.columns):
        text.write(line)
    text.detach()


def _register_records(register: Register, relationship, progress: _Progress) -> list[dict]:
    headers = [header for header, _ in register.columns]
    rows = register.rows(relationship).iterator(chunk_size=500)
    return [dict(zip(headers, _values(register, row), strict=True)) for row in progress.count(rows)]


def relationship_record(relationship: Relationship, organization, progress: _Progress) -> dict:
    """Everything ``organization`` may see of ``relationship``: each part read through its own
    scope, people and organizations named as the disclosure rules allow."""
    disclosure = Disclosure.for_organization(organization)
    rel_id = relationship.pk
    parties = Party.objects.filter(relationship=relationship).select_related(
        "organization", "ser__user", "ser__organization"
    )
    requirements = Requirement.objects.filter(relationship=relationship).select_related(
        "item", "organization"
    )
    evidence = Evidence.objects.filter(relationship=relationship).select_related("organization")
    ledger = DecisionRecord.objects.filter(relationship=relationship).select_related(
        "actor_user", "organization"
    )
    documents = Document.objects.filter(relationship=relationship).order_by("id")
    versions = DocumentVersion.objects.filter(relationship=relationship).order_by(
        "document_id", "number"
    )
    by_document: dict[int, list[dict]] = {}
    for version in versions:
        by_document.setdefault(version.document_id, []).append(
            {
                "number": version.number,
                "status": version.status,
                "content_hash": version.content_hash,
                "requested_at": version.requested_at,
                "decided_at": version.decided_at,
                "sections": [
                    {k: s.get(k) for k in ("key", "title", "body", "fields")}
                    for s in version.sections
                ],
            }
        )
    record = {
        "relationship": {
            "id": rel_id,
            "name": relationship.name,
            "description": relationship.description,
            "type": relationship.type,
            "framework_profile": relationship.framework_profile,
            "current_stage": relationship.current_stage,
            "status": relationship.status,
            "lead": disclosure.organization_name(relationship.lead_organization, rel_id),
        },
        "parties": [
            {
                "organization": disclosure.organization_name(p.organization, rel_id),
                "role": p.role,
                "status": p.status,
                "ser": disclosure.person_name(p.ser, rel_id) if p.ser else "",
            }
            for p in parties
        ],
        "requirements": [
            {
                "id": r.pk,
                "item": r.item.key,
                "title": r.item.title,
                "stage": r.stage,
                "organization": disclosure.organization_name(r.organization, rel_id),
                "visibility": r.visibility,
                "status": r.status,
                "justification": r.justification,
                "due_date": r.due_date,
            }
            for r in requirements.order_by("stage", "id")
        ],
        "evidence": [
            {
                "requirement": e.requirement_id,
                "kind": e.kind,
                "title": e.title,
                "status": e.status,
                "organization": disclosure.organization_name(e.organization, rel_id),
                "visibility": e.visibility,
                "note": e.note,
                "url": e.url,
                "filename": e.filename,
                "content_hash": e.content_hash,
                "created_at": e.created_at,
            }
            for e in evidence.order_by("id")
        ],
        "decision_ledger": [
            {
                "chain": d.chain,
                "sequence": d.sequence,
                "kind": d.kind,
                "from_stage": d.from_stage,
                "to_stage": d.to_stage,
                "by": _person(disclosure, d, rel_id),
                "text": d.text,
                "created_at": d.created_at,
                "prev_hash": d.prev_hash,
                "hash": d.hash,
            }
            for d in ledger.order_by("chain", "sequence")
        ],
        "documents": [
            {
                "kind": document.kind,
                "title": document.title,
                "visibility": document.visibility,
                "versions": by_document.get(document.pk, []),
            }
            for document in documents
        ],
    }
    progress.run.progress(progress.start)
    record["registers"] = {
        name: _register_records(register, relationship, progress)
        for name, register in REGISTERS.items()
    }
    return record


def _person(disclosure: Disclosure, entry: DecisionRecord, relationship_id: int) -> str:
    person = disclosure.person_by_user(
        entry.actor_user, entry.actor_id, entry.organization_id, relationship_id
    )
    return "" if person is None else (person.email or person.full_name)


def _run(run: JobRun) -> JobOutput:
    params = run.params
    relationship = Relationship.objects.get(pk=params["relationship"])
    scope, format = params["scope"], params["format"]
    registers = list(REGISTERS.values()) if scope == EVERYTHING else [REGISTERS[scope]]
    total = sum(register.rows(relationship).count() for register in registers)
    run.progress(2)
    progress = _Progress(run, total, start=10 if scope == EVERYTHING else 5)
    content_type, extension = FORMATS[format]
    stamp = timezone.now()
    name = f"{slugify(relationship.name)[:60]}-{scope}-{stamp:%Y%m%d-%H%M}.{extension}"
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL) as out:
        if format == "json":
            record = (
                relationship_record(relationship, run.organization, progress)
                if scope == EVERYTHING
                else {scope: _register_records(registers[0], relationship, progress)}
            )
            record = {"exported_at": stamp, "organization": run.organization.slug, **record}
            out.write(json.dumps(record, cls=DjangoJSONEncoder, indent=2).encode())
        elif format == "xlsx":
            _write_xlsx(registers, relationship, progress, out)
        else:
            _write_csv(registers[0], relationship, progress, out)
        run.progress(97)
        return run.output(
            path=f"jobs/{run.job.pk}/{name}", name=name, content_type=content_type, content=out
        )


def _still_visible(job: Job) -> bool:
    return Relationship.objects.filter(pk=job.params.get("relationship")).exists()


register_job_kind(JobKind(name=JOB_KIND, label="Export", run=_run, still_visible=_still_visible))
