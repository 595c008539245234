"""Controlled documents in the browser: the list, a document's page, and editing a section with
its version, so a save that comes second keeps what was typed and shows what is current."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cbrms.errors import ApplicationError, PreconditionFailed, ValidationFailed
from lifecycle.document_pdf import document_pdf_request
from lifecycle.forms import SectionForm
from lifecycle.models import Document, DocumentVersion, Section, VersionStatus
from lifecycle.panels.documents import section_views, startable_kinds, versions_panel_context
from lifecycle.sections import DOCUMENTS, DocumentKind
from lifecycle.selectors.documents import section_editors
from lifecycle.services.document_versions import (
    document_compare,
    version_decide,
    version_decision_check,
    version_request,
)
from lifecycle.services.documents import (
    document_create,
    section_editing_clear,
    section_editing_mark,
    section_save,
    section_spec,
)
from relationships.models import Relationship
from relationships.permissions import can, capability_required
from relationships.roles import Capability

DOCUMENTS_PER_PAGE = 50


def _document(pk: int) -> Document:
    return get_object_or_404(Document.objects.select_related("relationship", "organization"), pk=pk)


def _section(document: Document, key: str) -> Section:
    section = get_object_or_404(
        Section.objects.select_related("updated_by__user", "updated_by__organization"),
        document=document,
        key=key,
    )
    section.document = document
    return section


def document_url(request: HttpRequest, document: Document, anchor: str = "") -> str:
    url = reverse("document-page", args=[request.organization.slug, document.pk])
    return f"{url}#{anchor}" if anchor else url


@login_required
@require_GET
@capability_required(Capability.DOCUMENTS_VIEW)
def document_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Every document the organization may see: its own (the corporate RMP, the management
    system's), then by relationship."""
    documents = Document.objects.select_related("relationship", "organization").order_by(
        "relationship__name", "relationship_id", "kind", "id"
    )
    page = Paginator(documents, DOCUMENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "startable_kinds": startable_kinds(request, None)}
    return render(request, "lifecycle/documents/list.html", context)


@login_required
@require_POST
@capability_required(Capability.DOCUMENTS_START)
def document_start(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Start a document: one of the organization's own, or one of a relationship's
    (``relationship``)."""
    relationship = None
    raw = request.POST.get("relationship", "")
    if raw:
        relationship = get_object_or_404(Relationship, pk=int(raw) if raw.isdigit() else 0)
    back = (
        reverse("relationship-detail", args=[org_slug, relationship.pk]) + "#documents"
        if relationship
        else reverse("document-list", args=[org_slug])
    )
    kind = request.POST.get("kind", "")
    if kind not in DocumentKind.values:
        messages.error(request, "Choose which document to start.")
        return redirect(back)
    try:
        document = document_create(
            kind=kind,
            organization=request.organization,
            membership=request.membership,
            relationship=relationship,
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(back)
    messages.success(request, f"“{document.title}” started: its sections are ready to write.")
    return redirect(document_url(request, document))


@login_required
@require_GET
@capability_required(Capability.DOCUMENTS_VIEW)
def document_page(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    return _document_page(request, _document(pk))


def _document_page(request: HttpRequest, document: Document, **decision) -> HttpResponse:
    """The document's page; ``decision`` is a SER's decision being confirmed or changed."""
    context = {
        "document": document,
        "sections": section_views(request, document),
        "may_edit": can(request, Capability.DOCUMENTS_EDIT),
        **versions_panel_context(request, document),
        **decision,
    }
    return render(request, "lifecycle/documents/page.html", context)


def _edit_page(request, document, section, form, *, current=None) -> HttpResponse:
    editors = section_editors(section, besides=request.membership)
    context = {
        "document": document,
        "section": section,
        "spec": form.spec,
        "form": form,
        "current": current,
        "editors": editors,
    }
    return render(request, "lifecycle/documents/edit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@capability_required(Capability.DOCUMENTS_EDIT)
def section_edit(request: HttpRequest, org_slug: str, pk: int, key: str) -> HttpResponse:
    """The section's editor. A save that comes second (someone saved since the form was
    opened) keeps what was typed, shows the current text beside it, and moves the form to the
    current version: saving again, after merging, is a deliberate choice."""
    document = _document(pk)
    section = _section(document, key)
    try:
        spec = section_spec(section)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(document_url(request, document))
    if request.method == "GET":
        # The page marks the member as editing once loaded (HTMX), and renews it.
        return _edit_page(request, document, section, SectionForm(section=section, spec=spec))
    form = SectionForm(request.POST, section=section, spec=spec)
    if form.is_valid():
        try:
            section_save(
                section=section,
                membership=request.membership,
                expected_version=form.cleaned_data["version"],
                body=form.cleaned_data["body"],
                fields=form.structured(),
            )
        except PreconditionFailed as stale:
            current = _section(document, key)
            data = request.POST.copy()
            data[form.add_prefix("version")] = str(current.version)
            merge = SectionForm(data, section=current, spec=spec)
            merge.is_valid()
            merge.add_error(None, stale.message + " Your text is kept below: merge, then save.")
            return _edit_page(request, document, current, merge, current=current)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, f"“{spec.title}” saved.")
            return redirect(document_url(request, document, f"section-{key}"))
    return _edit_page(request, document, section, form)


@login_required
@require_POST
@capability_required(Capability.DOCUMENTS_EDIT)
def section_editing(request: HttpRequest, org_slug: str, pk: int, key: str) -> HttpResponse:
    """While the editor is open it renews the member's mark (HTMX, every 30 seconds) and reads
    back who else is editing; ``stop`` clears the mark when the editor is left."""
    document = _document(pk)
    section = _section(document, key)
    if request.POST.get("stop"):
        section_editing_clear(section=section, membership=request.membership)
    else:
        section_editing_mark(section=section, membership=request.membership)
    editors = section_editors(section, besides=request.membership)
    context = {"editors": editors, "section": section, "document": document}
    return render(request, "lifecycle/documents/_editors.html", context)


# --- versions --------------------------------------------------------------------------------


@login_required
@require_POST
@capability_required(Capability.DOCUMENTS_ISSUE)
def version_request_view(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    document = _document(pk)
    try:
        version = version_request(
            document=document,
            requested_by=request.membership,
            reason=request.POST.get("reason", "").strip()[:5000],
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"Version {version.number} is frozen and waits for its SERs; the draft stays "
            "open to edit.",
        )
    return redirect(document_url(request, document, "versions"))


@login_required
@require_POST
@capability_required(Capability.DOCUMENTS_VIEW)
def version_pdf_view(request: HttpRequest, org_slug: str, pk: int, number: int) -> HttpResponse:
    """Ask for a version's PDF, then follow the job on its page (an issued version's kept PDF
    is ready there at once)."""
    version = get_object_or_404(DocumentVersion, document=_document(pk), number=number)
    try:
        job = document_pdf_request(version=version, membership=request.membership)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(document_url(request, version.document, "versions"))
    return redirect("job-page", org_slug=org_slug, pk=job.pk)


@login_required
@require_POST
@capability_required(Capability.GATES_DECIDE)
def version_decide_view(request: HttpRequest, org_slug: str, pk: int, number: int) -> HttpResponse:
    document = _document(pk)
    version = get_object_or_404(
        DocumentVersion.objects.select_related("request", "relationship"),
        document=document,
        number=number,
    )
    approve = request.POST.get("decision") == "approve"
    comment = request.POST.get("comment", "").strip()[:5000]
    decision = {"version": version, "approver": request.membership, "approve": approve}
    try:
        if request.POST.get("change"):
            return _document_page(request, document, decision_comment=comment)
        if not request.POST.get("confirmed"):
            # Shown back first, as a gate decision is: it cannot be taken back (ADR-16).
            version_decision_check(**decision, comment=comment)
            return _document_page(
                request,
                document,
                confirming={"approve": approve, "decision": request.POST.get("decision")},
                decision_comment=comment,
            )
        version = version_decide(**decision, comment=comment)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        outcome = {
            VersionStatus.ISSUED: f"Version {version.number} is issued.",
            VersionStatus.REJECTED: f"Version {version.number} is rejected.",
        }.get(version.status, "Your decision is recorded; other SERs still decide.")
        messages.success(request, outcome)
    return redirect(document_url(request, document, "versions"))


@login_required
@require_GET
@capability_required(Capability.DOCUMENTS_VIEW)
def version_compare_view(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    """Two versions, or a version and the draft, section by section."""
    document = _document(pk)
    try:
        comparison = document_compare(
            document=document, before=request.GET.get("before"), after=request.GET.get("after")
        )
    except ValidationFailed:
        comparison = None
    context = {
        "document": document,
        "versions": DocumentVersion.objects.filter(document=document).order_by("number"),
        "before": comparison.before if comparison else request.GET.get("before", ""),
        "after": comparison.after if comparison else request.GET.get("after", ""),
        "invalid": comparison is None,
        "diffs": comparison.sections if comparison else [],
        "labels": {
            f.key: f.label for spec in DOCUMENTS[document.kind].sections for f in spec.fields
        }
        | {"parties": "Parties and their SERs"},
    }
    return render(request, "lifecycle/documents/compare.html", context)
