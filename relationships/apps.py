from django.apps import AppConfig


class RelationshipsConfig(AppConfig):
    """Organizations, people, relationships and parties: who works with whom."""

    name = "relationships"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The visibility rules of this app's models (and of the audit trail) plug into the
        # tenancy mechanism when their module loads. Celery finds ``tasks`` modules by itself;
        # the webhook tasks live beside them.
        from relationships import visibility, webhook_tasks  # noqa: F401
