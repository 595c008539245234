"""``manage.py verify_decisions``: check every relationship's decision ledger."""

from django.core.management.base import BaseCommand, CommandError

from lifecycle.models import DecisionRecord
from lifecycle.services.ledger import chain_verify


class Command(BaseCommand):
    help = "Recompute the hash chain of every relationship's decision ledger; fail on a break."

    def add_arguments(self, parser):
        parser.add_argument(
            "--relationship", type=int, action="append", help="Only these relationship ids."
        )

    def handle(self, *args, **options):
        ids = options["relationship"] or (
            DecisionRecord.objects.unscoped()
            .order_by("relationship_id")
            .values_list("relationship_id", flat=True)
            .distinct()
        )
        broken = 0
        checked = 0
        for relationship_id in ids:
            result = chain_verify(relationship_id=relationship_id)
            checked += 1
            if result.verified:
                self.stdout.write(
                    f"relationship {relationship_id}: {result.records} entries, chain intact"
                )
            else:
                broken += 1
                self.stderr.write(
                    f"relationship {relationship_id}: BROKEN at entry {result.broken_at} "
                    f"({result.reason})"
                )
        if broken:
            raise CommandError(f"{broken} of {checked} decision ledgers do not verify.")
        self.stdout.write(self.style.SUCCESS(f"{checked} decision ledgers verified."))
