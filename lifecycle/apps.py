from django.apps import AppConfig


class LifecycleConfig(AppConfig):
    """Framework catalogs, the eight stages, requirements, evidence, stage gates and RMPs."""

    name = "lifecycle"
    default_auto_field = "django.db.models.BigAutoField"
