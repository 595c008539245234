"""Pages of the audit trail: keyset pages on ``id``, read branch by branch.

What an organization may read of the trail is an ``OR`` (``AuditEvent.scope_queryset``): its
own events, the joint events of its relationships, the directory events of those whose member
list it may see. PostgreSQL cannot walk an index for ``WHERE a OR b OR c ORDER BY id DESC
LIMIT n`` when ``b`` and ``c`` are subqueries: it scans the primary key backwards and tests row
by row, which for a quiet tenant among a million rows means reading hundreds of thousands of
rows to find fifty (benchmarks/README.md).

So a page is read in three statements:

1. **the relationship ids** the organization's events may belong to, as two short lists
   (the view's ``scope_branch_querysets``: the relationships app splits the scope's condition
   into branches that each use one index, ``relationships.visibility.audit_scope_branches``);
2. **candidates**: each branch, on the filtered trail, takes the ``page_size + 1`` ids beyond
   the cursor in its index's order (``audit_org_idx``, ``audit_relationship_idx``), and a
   ``UNION ALL`` joins them: at most ``3 * (page_size + 1)`` ids;
3. **the page**: the view's own queryset, scoped by ``TenantViewSet`` and filtered, restricted
   to the nearest ``page_size`` candidates. The scope stays the one that decides what is shown;
   the branches only say where to look. (Steps 2 and 3 in one statement let the planner fall
   back to a sequential scan.)

The list is ordered by ``-id`` only, which is unique: a cursor is one id, with no offset, and
every page is exact. Links and parameters are DRF's (``cursor``, ``page_size``), so clients
cannot tell this paginator from the others.
"""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework.pagination import Cursor

from cbrms.api.pagination import CursorPagination


class AuditEventPagination(CursorPagination):
    """Newest first; ``next`` and ``previous`` both work (a ``previous`` cursor is reversed).

    The view provides ``scope_branch_querysets()``: the filtered trail split into the branches
    of the scope, whose union holds every row of the list.
    """

    ordering = "-id"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.page_size = self.get_page_size(request)
        self._model = queryset.model
        self.cursor = self.decode_cursor(request)  # a position that is not an id: 400
        reverse = self.cursor is not None and self.cursor.reverse
        position = self._cursor_position()

        candidates = self._candidates(view.scope_branch_querysets(), position, reverse=reverse)
        more = len(candidates) > self.page_size
        considered = sorted(candidates[: self.page_size], reverse=True)  # newest first
        self.page = list(queryset.filter(pk__in=considered).order_by("-id")[: self.page_size])

        # Links carry the bounds of what was considered, not of what was shown: the two differ
        # only if a row left the scope between the two statements, and then no row is skipped.
        # Past an empty page, the link starts at the cursor itself: ids are integers, so
        # "id <= p" is the forward cursor at p + 1 and "id >= p" the reversed one at p - 1.
        if reverse:
            self.previous_position = considered[0] if more else None
            if considered:
                self.next_position = considered[-1]
            else:
                self.next_position = None if position is None else position + 1
        else:
            self.next_position = considered[-1] if more else None
            if position is None:  # the first page
                self.previous_position = None
            else:
                self.previous_position = considered[0] if considered else position - 1
        self.has_next = self.next_position is not None
        self.has_previous = self.previous_position is not None
        self.display_page_controls = self.has_next or self.has_previous
        return self.page

    def _cursor_position(self) -> int | None:
        if self.cursor is None or self.cursor.position is None:
            return None
        return int(self.cursor.position)  # decode_cursor checked it is an id

    def _candidates(self, branches: list[QuerySet], position: int | None, *, reverse: bool):
        """The ids of the next ``page_size + 1`` rows beyond ``position``, nearest first."""
        if position is not None:
            condition = {"id__gt": position} if reverse else {"id__lt": position}
            branches = [branch.filter(**condition) for branch in branches]
        order = "id" if reverse else "-id"
        limit = self.page_size + 1
        first, *others = (
            branch.order_by(order).values_list("id", flat=True)[:limit] for branch in branches
        )
        # A row can be in two branches (an own event about a shared relationship).
        ids = set(first.union(*others, all=True))
        return sorted(ids, reverse=not reverse)[:limit]

    def get_next_link(self):
        if self.next_position is None:
            return None
        return self.encode_cursor(Cursor(offset=0, reverse=False, position=self.next_position))

    def get_previous_link(self):
        if self.previous_position is None:
            return None
        return self.encode_cursor(Cursor(offset=0, reverse=True, position=self.previous_position))
