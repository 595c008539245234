"""Serving stored files (evidence, PDFs, exports): one response for the API and the browser."""

from __future__ import annotations

from django.core.files.storage import storages
from django.http import FileResponse


def attachment_response(file, *, filename: str, content_type: str) -> FileResponse:
    """``file`` as a download, never rendered by the browser.

    The caller has checked that the person may have it. ``nosniff`` and a sandboxing CSP keep a
    browser from reading the file as anything else, and nothing caches it outside the person's
    own browser.
    """
    response = FileResponse(file, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def stored_file_response(path: str, *, filename: str, content_type: str) -> FileResponse:
    """The file at ``path`` of the default storage (local disk or an object store)."""
    return attachment_response(
        storages["default"].open(path, "rb"), filename=filename, content_type=content_type
    )
