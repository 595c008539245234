from django.apps import AppConfig


class RelationshipsConfig(AppConfig):
    """Organizations, people, relationships and parties: who works with whom."""

    name = "relationships"
    default_auto_field = "django.db.models.BigAutoField"
