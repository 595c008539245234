from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data and ``manage.py seed_demo``: the top layer, which may use every app."""

    name = "demo"
    default_auto_field = "django.db.models.BigAutoField"
