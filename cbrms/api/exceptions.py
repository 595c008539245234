"""One DRF exception handler: every API error is JSON with a stable ``code`` and a ``message``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from cbrms.errors import ApplicationError

_CODES = {
    exceptions.ParseError: "parse_error",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def error_body(code: str, message: str, fields: dict | None = None, **extra) -> dict:
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    body.update(extra)
    return body


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        body = error_body(exc.code, exc.message, exc.fields, **exc.extra)
        headers = dict(getattr(exc, "headers", None) or {})  # an ETag with a 412, say
        if "retry_after_seconds" in exc.extra:
            headers["Retry-After"] = str(exc.extra["retry_after_seconds"])
        return Response(body, status=exc.status_code, headers=headers)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let Django answer 500 (JSON for /api/, see cbrms.views)

    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body(
            "validation_error", "The request has invalid fields.", _flatten(detail)
        )
        response.status_code = status.HTTP_400_BAD_REQUEST
        return response

    code = next((c for cls, c in _CODES.items() if isinstance(exc, cls)), "error")
    message = str(exc.detail) if isinstance(exc.detail, str) else "The request failed."
    extra = {}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        extra["retry_after_seconds"] = int(exc.wait)
    response.data = error_body(code, message, **extra)
    return response


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF error details as ``{field: [message, ...]}``: a nested field is named by its path
    (``levels.0.name``), so every error body has the one shape the schema documents."""
    flat: dict[str, list[str]] = {}
    for key, value in detail.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        elif isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    flat.update(_flatten(item, f"{name}.{index}."))
                elif isinstance(item, list) and item:
                    flat[f"{name}.{index}"] = [str(message) for message in item]
        elif isinstance(value, list):
            flat[name] = [str(message) for message in value]
        else:
            flat[name] = [str(value)]
    return flat
