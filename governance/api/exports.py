"""Streamed CSV: a register's rows, written as they are read, never held whole."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator

from django.http import StreamingHttpResponse

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


def csv_response(queryset, columns, *, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_rows(queryset.iterator(chunk_size=500), columns), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
