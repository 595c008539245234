"""``manage.py seed_demo``: load the demo organizations, people and relationships."""

from django.core.management.base import BaseCommand, CommandError

from cbrms.errors import ApplicationError
from demo.seed import DEMO_PASSWORD, demo_seed


class Command(BaseCommand):
    help = (
        "Create the demo data (Northwind, Contoso, Fabrikam, their people and relationships, and "
        "an ecosystem of 22 members) where it is missing. Safe to run on every start."
    )
    # `make run` runs it right after `migrate`, which has run the system checks already.
    requires_system_checks = []

    def handle(self, *args, **options):
        try:
            result = demo_seed()
        except ApplicationError as error:
            raise CommandError(f"The demo data could not be loaded: {error.message}") from error
        if options["verbosity"] >= 1:
            self.stdout.write(result.summary())
            self.stdout.write(
                "Log in as admin@, executive@, manager@, contributor@ or viewer@ of "
                f"northwind.example, contoso.example or fabrikam.example; password {DEMO_PASSWORD}"
            )
