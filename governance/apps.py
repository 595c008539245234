from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    """The joint workspace registers: what partner organizations keep and review together."""

    name = "governance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from governance import beat, pdf, visibility  # noqa: F401 - registered on import
        from governance.api import export_jobs  # noqa: F401 - the export job kind
