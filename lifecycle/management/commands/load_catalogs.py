"""``manage.py load_catalogs``: load the framework catalogs (``lifecycle/catalogs/*.yaml``)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lifecycle.services.catalogs import CatalogError, catalogs_load


class Command(BaseCommand):
    help = (
        "Load the framework catalogs into the database: new versions are created, changed files "
        "update their version in place, unchanged files write nothing. Runs after every migrate."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--directory",
            type=Path,
            default=None,
            help="Read the catalogs from this directory instead of lifecycle/catalogs.",
        )

    def handle(self, *args, **options):
        try:
            results = catalogs_load(directory=options["directory"])
        except CatalogError as error:
            raise CommandError(f"The catalogs could not be loaded: {error.message}") from error
        if options["verbosity"] >= 1:
            for result in results:
                self.stdout.write(result.summary())
