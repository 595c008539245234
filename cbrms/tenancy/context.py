"""The acting organization of the current unit of work.

A request, a Celery task or a management command acts as exactly one organization. It is held
in a ContextVar, set by ``acting_as`` and always restored on exit, so nothing leaks from one
request to the next on the same thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connection

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.db.models import Model

    # The base names no app (the tenant model and the membership are the seams' business,
    # cbrms.tenancy.seams): any model, as far as this module is concerned.
    Organization = Membership = Model
    User = AbstractBaseUser


class NoActingOrganization(RuntimeError):
    """Tenant data was queried while no organization was acting: a bug, never a user error."""


@dataclass(frozen=True)
class Acting:
    organization: Organization
    user: User | None = None
    membership: Membership | None = None


_acting: ContextVar[Acting | None] = ContextVar("cbrms_acting", default=None)


def current() -> Acting | None:
    return _acting.get()


def get_acting_organization() -> Organization:
    acting = _acting.get()
    if acting is None:
        raise NoActingOrganization(
            "Tenant data was queried without an acting organization. Wrap the work in "
            "cbrms.tenancy.context.acting_as(...), or use .unscoped() deliberately."
        )
    return acting.organization


def _set_audit_actor(acting: Acting | None) -> None:
    """Tell the audit triggers who acts, for the rest of this database session."""
    org_id = str(acting.organization.pk) if acting else ""
    user_id = str(acting.user.pk) if acting and acting.user else ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('cbrms.acting_organization_id', %s, false), "
            "set_config('cbrms.actor_user_id', %s, false)",
            [org_id, user_id],
        )


@contextmanager
def acting_as(
    organization: Organization,
    *,
    user: User | None = None,
    membership: Membership | None = None,
) -> Iterator[Acting]:
    """Run the enclosed code as ``organization`` (and ``user``, for the audit trail)."""
    previous = _acting.get()
    acting = Acting(organization=organization, user=user, membership=membership)
    token = _acting.set(acting)
    _set_audit_actor(acting)
    try:
        yield acting
    finally:
        _acting.reset(token)
        if connection.connection is not None and not connection.needs_rollback:
            _set_audit_actor(previous)


def in_acting_context(items: Iterator) -> Iterator:
    """``items``, produced as the unit of work acting now. A streamed response is read by the
    server after the view has returned, when nothing acts any more; whatever the items read
    then (a prefetched relation, chunk by chunk) must still be scoped as the request was."""
    acting = _acting.get()  # now, while the view runs: the generator below starts later
    if acting is None:
        return items

    def produce() -> Iterator:
        with acting_as(acting.organization, user=acting.user, membership=acting.membership):
            yield from items

    return produce()
