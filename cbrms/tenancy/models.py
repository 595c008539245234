"""Model-side building blocks of the tenancy layer."""

from __future__ import annotations


class WorkspaceScoped:
    """Mixin for workspace rows (``relationship``, owning ``organization``, ``visibility``).

    Their scope is the one workspace rule (``selectors.workspace_q``): the acting
    organization's own rows, and the joint rows of the relationships it is an active party of.
    Use with ``objects = ScopedManager()``.
    """

    @classmethod
    def scope_queryset(cls, queryset, organization):
        from cbrms.tenancy.selectors import workspace_q

        return queryset.filter(workspace_q(organization))
