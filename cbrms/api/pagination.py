"""Cursor pagination for every list that can grow."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination as DRFCursorPagination

from cbrms.errors import ValidationFailed

#: The range of PostgreSQL's ``bigint``, the widest integer column we page on.
_BIGINT = (-(2**63), 2**63 - 1)


class InvalidCursor(ValidationFailed):
    code = "invalid_cursor"

    def __init__(self):
        super().__init__(
            "The cursor is not one this list gave out: follow the `next` and `previous` links "
            "as they are, or start again from the first page.",
            fields={"cursor": ["Not a cursor of this list."]},
        )


def cursor_value(model: type[models.Model], field_path: str, raw: str):
    """``raw`` (a cursor's position) as a value of ``model.field_path``, or ``InvalidCursor``.

    A cursor is opaque to clients but not tamper-proof: its position goes into a ``WHERE``, so
    it must be a value of the ordering field's type that PostgreSQL accepts (no NUL byte, an
    integer within ``bigint``), or the query fails with a server error.
    """
    if "\x00" in raw:
        raise InvalidCursor()
    field = _resolve(model, field_path)
    if field is None:
        return raw
    try:
        value = field.to_python(raw)
    except (ValidationError, TypeError, ValueError):
        raise InvalidCursor() from None
    if isinstance(value, int) and not _BIGINT[0] <= value <= _BIGINT[1]:
        raise InvalidCursor()
    return value


def _resolve(model: type[models.Model], field_path: str) -> models.Field | None:
    field = None
    for name in field_path.split(LOOKUP_SEP):
        try:
            field = model._meta.get_field("id" if name == "pk" else name)
        except FieldDoesNotExist:
            return None  # an annotation: PostgreSQL still refuses NUL, checked above
        if field.is_relation:
            model = field.related_model
    return field


class CursorPagination(DRFCursorPagination):
    """Stable pages under concurrent writes. Clients may ask for up to 200 rows a page.

    A cursor that was not given out by the list (garbled, edited, of another list) answers
    ``400 invalid_cursor`` instead of DRF's 404, which would read as "no such list".
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        """``?page_size=`` from 1 to ``max_page_size``; anything else is refused (400), where
        DRF would quietly use the default and leave the client wondering."""
        raw = request.query_params.getlist(self.page_size_query_param)
        if not raw:
            return self.page_size
        if len(raw) == 1 and raw[0].isascii() and raw[0].isdigit():
            size = int(raw[0])
            if 1 <= size <= self.max_page_size:
                return size
        raise ValidationFailed(
            f"page_size is a whole number from 1 to {self.max_page_size}.",
            fields={
                self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]
            },
        )

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
        return parameters

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise InvalidCursor() from None
        if cursor is not None and cursor.position is not None:
            ordering = self.ordering if isinstance(self.ordering, list | tuple) else [self.ordering]
            cursor_value(self._model, ordering[0].lstrip("-"), cursor.position)
        return cursor
