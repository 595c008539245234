"""The PDF of a document version: a cover with the parties and their SERs, a table of contents,
every section as issued, summaries of the registers (contributed by the layers above), and the
approval record from the ledger. Rendered by ``cbrms.pdf`` (nothing fetched, fonts embedded,
PDF/A-3u) in a job; an issued version's PDF is kept and handed out again (``DocumentPdf``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from cbrms.jobs.models import Job
from cbrms.jobs.registry import JobKind, register_job_kind
from cbrms.jobs.runs import JobOutput, JobRun
from cbrms.jobs.services import job_finished, job_request
from cbrms.pdf import render_pdf, static_text
from cbrms.tenancy.context import get_acting_organization
from lifecycle.models import (
    Document,
    DocumentPdf,
    DocumentVersion,
    RecordKind,
    VersionStatus,
)
from lifecycle.sections import DOCUMENTS
from lifecycle.selectors.documents import document_parties, with_version_details
from relationships.disclosure import Disclosure
from relationships.models import Membership, Relationship, Visibility

JOB_KIND = "document_pdf"
PDF = "application/pdf"


# --- what the layers above add: register summaries ----------------------------------------


@dataclass(frozen=True)
class PdfSummary:
    """A block the PDF shows after the sections: ``html`` is rendered (and escaped) by the
    provider's own template; ``key`` anchors it in the table of contents."""

    key: str
    title: str
    html: str


#: ``provider(relationship, joint_only=)``: the summaries of what the reader sees of the
#: relationship, only its joint records when the document is joint.
SummaryProvider = Callable[..., list[PdfSummary]]
_providers: list[SummaryProvider] = []


def register_pdf_summaries(provider: SummaryProvider) -> SummaryProvider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def _summaries(document: Document) -> list[PdfSummary]:
    if document.relationship is None:
        return []
    joint_only = document.visibility == Visibility.JOINT
    return [
        summary
        for provider in _providers
        for summary in provider(document.relationship, joint_only=joint_only)
    ]


# --- the content --------------------------------------------------------------------------


def _filename(version: DocumentVersion) -> str:
    document = version.document
    name = document.relationship.name if document.relationship else document.organization.name
    return f"{slugify(name)[:60]}-{document.kind.replace('_', '-')}-v{version.number}.pdf"


def _sections(version: DocumentVersion) -> list[dict]:
    spec = DOCUMENTS[version.document.kind]
    shown = []
    for entry in version.sections:
        section_spec = spec.section(entry["key"])
        fields = []
        for field_spec in section_spec.fields if section_spec else ():
            value = (entry.get("fields") or {}).get(field_spec.key)
            if not value:
                continue
            label = dict(field_spec.choices).get(value, value) if field_spec.choices else value
            fields.append({"spec": field_spec, "value": value, "label": label})
        shown.append({**entry, "anchor": f"section-{entry['key']}", "field_list": fields})
    return shown


def _approval_record(version: DocumentVersion, disclosure: Disclosure) -> list[dict]:
    """Every version up to this one, with the ledger's entries about its issue."""
    relationship_id = version.document.relationship_id
    versions = (
        with_version_details(
            DocumentVersion.objects.filter(document=version.document, number__lte=version.number)
        )
        .select_related("request__actor__organization", "request__actor_user")
        .order_by("number")
    )
    record = []
    for each in versions:
        request = each.request
        entries = [request, *request.visible_entries] if request else []
        record.append(
            {
                "version": each,
                "entries": [
                    {
                        "entry": entry,
                        "label": entry.get_kind_display(),
                        "actor": _actor(entry, disclosure, relationship_id),
                        # The organization the person acted for (the row's is the lead's).
                        "organization": disclosure.organization_name(
                            entry.actor.organization if entry.actor else None, relationship_id
                        ),
                    }
                    for entry in entries
                ],
            }
        )
    return record


def _actor(entry, disclosure: Disclosure, relationship_id) -> str:
    person = disclosure.person_by_user(
        entry.actor_user, entry.actor_id, entry.organization_id, relationship_id
    )
    return "" if person is None else (person.full_name or person.email or "")


#: The layout of documents (and reports) as PDF.
PDF_STYLESHEET = "css/document-pdf.css"


def document_pdf_html(version: DocumentVersion, *, generated_at: datetime.datetime) -> str:
    """The HTML the PDF is laid out from, as the acting organization may read it."""
    document = version.document
    disclosure = Disclosure.for_organization(get_acting_organization())
    relationship: Relationship | None = document.relationship
    parties = []
    if relationship is not None:
        for party in document_parties(relationship):
            parties.append(
                {
                    "organization": disclosure.organization_name(
                        party.organization, relationship.pk
                    ),
                    "role": party.get_role_display(),
                    "ser": disclosure.person_name(party.ser, relationship.pk) if party.ser else "",
                }
            )
    sections = _sections(version)
    summaries = _summaries(document)
    context = {
        "document": document,
        "relationship": relationship,
        "version": version,
        "parties": parties,
        "sections": sections,
        "summaries": summaries,
        "approval_record": _approval_record(version, disclosure),
        "generated_at": generated_at,
        "issued": version.status == VersionStatus.ISSUED,
        "issued_entry": RecordKind.VERSION_ISSUED,
    }
    return render_to_string("lifecycle/pdf/document.html", context)


# --- the job ------------------------------------------------------------------------------


def _stored_output(stored: DocumentPdf) -> JobOutput:
    return JobOutput(
        path=stored.path,
        name=stored.filename,
        content_type=PDF,
        size=stored.size,
        sha256=stored.sha256,
    )


def _title(version: DocumentVersion) -> str:
    return f"{version.document.title}, version {version.number} (PDF)"


def document_pdf_request(*, version: DocumentVersion, membership: Membership) -> Job:
    """Ask for the PDF of ``version``: the kept file of an issued version at once (a finished
    job), otherwise a job that makes it."""
    organization = membership.organization
    with transaction.atomic():
        stored = DocumentPdf.objects.filter(version=version, organization=organization).first()
        arguments = {
            "organization": organization,
            "user": membership.user,
            "kind": JOB_KIND,
            "title": _title(version),
            "params": {"version": version.pk},
        }
        if stored is not None:
            return job_finished(**arguments, output=_stored_output(stored))
        return job_request(**arguments)


def _run(run: JobRun) -> JobOutput:
    version = DocumentVersion.objects.select_related(
        "document__relationship", "document__organization"
    ).get(pk=run.params["version"])
    organization = run.organization
    stored = DocumentPdf.objects.filter(version=version, organization=organization).first()
    if stored is not None:  # made by another job since this one was asked for
        return _stored_output(stored)
    run.progress(5)
    generated_at = timezone.now()
    html = document_pdf_html(version, generated_at=generated_at)
    run.progress(25)
    pdf = render_pdf(html, stylesheet=static_text(PDF_STYLESHEET))
    run.progress(90)
    filename = _filename(version)
    if version.status != VersionStatus.ISSUED:
        # A version in approval or rejected may still change its record: made each time.
        return run.output(
            path=f"jobs/{run.job.pk}/{filename}", name=filename, content_type=PDF, content=pdf
        )
    # The job's own path: a job run again replaces its file, two jobs never share one.
    output = run.output(
        path=f"documents/{organization.pk}/{version.pk}/{run.job.pk}/{filename}",
        name=filename,
        content_type=PDF,
        content=pdf,
    )
    try:
        with transaction.atomic():
            DocumentPdf.objects.create(
                version=version,
                organization=organization,
                path=output.path,
                filename=filename,
                size=output.size,
                sha256=output.sha256,
                generated_at=generated_at,
            )
    except IntegrityError:  # another job kept one first: keep that one, drop this file
        storages["default"].delete(output.path)
        return _stored_output(DocumentPdf.objects.get(version=version, organization=organization))
    return output


def _still_visible(job: Job) -> bool:
    return DocumentVersion.objects.filter(pk=job.params.get("version")).exists()


register_job_kind(
    JobKind(name=JOB_KIND, label="Document PDF", run=_run, still_visible=_still_visible)
)
