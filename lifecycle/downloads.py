"""Serving evidence files: one response for the API and the browser."""

from __future__ import annotations

from django.http import FileResponse, Http404

from lifecycle.models import Evidence, EvidenceKind


def evidence_file_response(evidence: Evidence) -> FileResponse:
    """The file of ``evidence`` as an attachment, never rendered by the browser.

    The caller has already found ``evidence`` through the scoped manager. The content type is
    the one checked at upload; ``nosniff`` and a sandboxing CSP keep a browser from reading the
    file as anything else, and nothing caches it outside the person's own browser.
    """
    if evidence.kind != EvidenceKind.FILE:
        raise Http404("This evidence has no file.")
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.filename,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
