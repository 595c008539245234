from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.signals import post_migrate


class LifecycleConfig(AppConfig):
    """Framework catalogs, the eight stages, requirements, evidence, stage gates and RMPs."""

    name = "lifecycle"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lifecycle import (  # noqa: F401 - registered on import
            document_pdf,
            hooks,
            visibility,
            webhooks,
        )

        # Catalogs are data the code relies on: every migrate brings them up to date.
        post_migrate.connect(
            _load_catalogs_after_migrate, sender=self, dispatch_uid="lifecycle_load_catalogs"
        )


def _load_catalogs_after_migrate(
    sender: AppConfig,
    *,
    verbosity: int = 1,
    using: str = DEFAULT_DB_ALIAS,
    plan=None,
    stdout=None,
    **kwargs,
) -> None:
    """Load the catalogs once lifecycle's tables match its models; stay silent otherwise.

    ``migrate`` also ends here when it moves lifecycle backwards, or before lifecycle's
    migrations exist or were applied: then the tables are missing or older than the models and
    there is nothing to load into. A catalog file that fails validation does fail the migrate.
    """
    if using != DEFAULT_DB_ALIAS:
        return
    if plan and any(backwards and m.app_label == sender.label for m, backwards in plan):
        return

    # Imported here: apps.py is loaded before the app registry is ready, models may not be.
    from lifecycle.models import Catalog, CatalogItem, Requirement
    from lifecycle.services.catalogs import LoadOutcome, catalogs_load

    if not _tables_match_models(using, (Catalog, CatalogItem, Requirement)):
        return
    results = catalogs_load()
    if stdout is not None and verbosity >= 1:
        for result in results:
            if verbosity >= 2 or result.outcome is not LoadOutcome.UNCHANGED:
                stdout.write(f"  Catalog {result.summary()}")


def _tables_match_models(using: str, models) -> bool:
    """Whether every model's table exists with at least the columns the model maps."""
    connection = connections[using]
    introspection = connection.introspection
    tables = set(introspection.table_names())
    if any(model._meta.db_table not in tables for model in models):
        return False
    with connection.cursor() as cursor:
        for model in models:
            description = introspection.get_table_description(cursor, model._meta.db_table)
            columns = {column.name for column in description}
            if any(f.column not in columns for f in model._meta.concrete_fields):
                return False
    return True
