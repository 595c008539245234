"""Streamed CSV: a register's rows, written as they are read, never held whole."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action

from cbrms.tenancy.context import in_acting_context

#: Cells a spreadsheet would run as a formula start with one of these: they are quoted with a
#: leading apostrophe, so an exported row never executes in the reader's spreadsheet.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


class _Line:
    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def csv_rows(rows: Iterable, columns: tuple[tuple[str, Callable], ...]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow([header for header, _ in columns])
    for row in rows:
        yield writer.writerow([_cell(read(row)) for _, read in columns])


def csv_download(rows: Iterable, columns, *, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        in_acting_context(csv_rows(rows, columns)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(queryset, columns, *, filename: str) -> StreamingHttpResponse:
    return csv_download(queryset.iterator(chunk_size=500), columns, filename=filename)


def owner_email(row) -> str:
    return row.owner.user.email if row.owner else ""


class ExportMixin:
    """``GET .../export/``: the list's rows, with its filters and scope, as streamed CSV.

    The view names its ``export_columns`` ((header, read) pairs), ``export_filename`` and
    ``export_ordering``; ``"export"`` goes in its ``filtered_actions`` and capabilities."""

    export_columns: tuple = ()
    export_filename = "export.csv"
    export_ordering: tuple[str, ...] = ("id",)

    @extend_schema(
        summary="Export as CSV",
        description=(
            "The rows the list would give, with the same filters, streamed as CSV. Cells a "
            "spreadsheet would run as a formula are quoted with a leading apostrophe."
        ),
        filters=True,
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request, *args, **kwargs):
        return csv_download(self.export_rows(), self.export_columns, filename=self.export_filename)

    def export_rows(self) -> Iterable:
        rows = self.filter_queryset(self.get_queryset()).order_by(*self.export_ordering)
        return rows.iterator(chunk_size=500)
