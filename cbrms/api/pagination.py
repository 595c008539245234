"""Cursor pagination for every list that can grow."""

from rest_framework.pagination import CursorPagination as DRFCursorPagination


class CursorPagination(DRFCursorPagination):
    """Stable pages under concurrent writes. Clients may ask for up to 200 rows a page."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"
