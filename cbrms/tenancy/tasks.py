"""Celery tasks run inside the same scope as requests: the organization is passed explicitly."""

from __future__ import annotations

import functools
from collections.abc import Callable

from celery import shared_task

from cbrms.tenancy.context import acting_as
from cbrms.tenancy.seams import tenant_model


def tenant_task(**task_options) -> Callable:
    """Declare a task that acts as the organization whose id it receives.

    The task is called as ``task.delay(organization_id=..., **ids)`` and the wrapped function
    receives ``organization=`` instead, with the scope set for everything it reads. Tasks are
    acknowledged late and time-limited (settings), so they must be idempotent.
    """

    def decorator(func: Callable) -> Callable:
        @shared_task(name=f"{func.__module__}.{func.__name__}", **task_options)
        @functools.wraps(func)
        def run(*args, organization_id: int, **kwargs):
            # unscoped(system): a task gets the id of the organization it acts as
            organization = tenant_model().objects.unscoped().get(pk=organization_id)
            with acting_as(organization):
                return func(*args, organization=organization, **kwargs)

        return run

    return decorator
