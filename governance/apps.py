from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.signals import post_migrate


class GovernanceConfig(AppConfig):
    """The joint workspace registers: what partner organizations keep and review together."""

    name = "governance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from governance import (  # noqa: F401 - registered on import
            beat,
            maturity,
            pdf,
            visibility,
            webhooks,
        )
        from governance.api import export_jobs  # noqa: F401 - the export job kind

        # The maturity models and the management-system catalog are data the code relies on,
        # like the framework catalogs.
        post_migrate.connect(
            _load_maturity_models, sender=self, dispatch_uid="governance_load_maturity_models"
        )


def _load_maturity_models(sender: AppConfig, *, using: str = DEFAULT_DB_ALIAS, plan=None, **kw):
    """Load the maturity models once governance's tables exist (and not while migrating
    governance backwards)."""
    if using != DEFAULT_DB_ALIAS:
        return
    if plan and any(backwards and m.app_label == sender.label for m, backwards in plan):
        return
    # Imported here: apps.py is loaded before the app registry is ready, models may not be.
    from governance.management_catalog import competence_catalogs_load, system_catalogs_load
    from governance.maturity_catalogs import maturity_models_load
    from governance.models import (
        CompetenceTheme,
        MaturityModel,
        MaturityPrinciple,
        SystemCatalog,
        SystemItem,
    )

    tables = set(connections[using].introspection.table_names())
    if {MaturityModel._meta.db_table, MaturityPrinciple._meta.db_table} <= tables:
        maturity_models_load()
    if {SystemCatalog._meta.db_table, SystemItem._meta.db_table} <= tables:
        system_catalogs_load()
    if CompetenceTheme._meta.db_table in tables:
        competence_catalogs_load()
