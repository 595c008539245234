"""Serving evidence files: one response for the API and the browser."""

from __future__ import annotations

from django.http import FileResponse, Http404

from cbrms.files import attachment_response
from lifecycle.models import Evidence, EvidenceKind


def evidence_file_response(evidence: Evidence) -> FileResponse:
    """The file of ``evidence`` as an attachment, with the content type checked at upload. The
    caller has already found ``evidence`` through the scoped manager."""
    if evidence.kind != EvidenceKind.FILE:
        raise Http404("This evidence has no file.")
    return attachment_response(
        evidence.file.open("rb"), filename=evidence.filename, content_type=evidence.content_type
    )
