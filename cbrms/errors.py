"""The one family of errors a client can see.

Services raise these; the API exception handler and the browser views turn them into a JSON
body ``{"code", "message", "fields"?}`` or a readable message. ``code`` is stable: clients
may branch on it.
"""

from __future__ import annotations


class ApplicationError(Exception):
    """A request the application refuses, with a stable code and a human message."""

    status_code = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        extra: dict | None = None,
    ):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.fields = fields
        self.extra = extra or {}


class ValidationFailed(ApplicationError):
    status_code = 400
    code = "validation_error"


class PermissionRefused(ApplicationError):
    """The caller can see the object but their role or party may not do this (403)."""

    status_code = 403
    code = "permission_denied"


class Conflict(ApplicationError):
    """The request clashes with the current state of the object (409)."""

    status_code = 409
    code = "conflict"


class NotVisible(ApplicationError):
    """Outside the acting organization's scope: answered exactly like a missing object (404)."""

    status_code = 404
    code = "not_found"

    def __init__(self, message: str = "Not found."):
        super().__init__(message)


class PreconditionFailed(ApplicationError):
    """The client wrote from a version that is no longer current (412): someone else saved
    first. ``extra`` carries what is current, so nothing typed has to be lost."""

    status_code = 412
    code = "stale_version"


class PreconditionRequired(ApplicationError):
    """A write that must say which version it starts from did not (428)."""

    status_code = 428
    code = "precondition_required"
