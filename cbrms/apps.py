from django.apps import AppConfig


class CbrmsConfig(AppConfig):
    """The project itself: tenancy, API wiring, jobs, development services."""

    name = "cbrms"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cbrms import lookups  # noqa: F401 - registers the lookups
        from cbrms.jobs import checks, tasks, visibility  # noqa: F401 - registered on import
