from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    """The joint workspace registers and the audit trail."""

    name = "governance"
    default_auto_field = "django.db.models.BigAutoField"
