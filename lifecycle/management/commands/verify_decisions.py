"""``manage.py verify_decisions``: check every relationship's decision ledger, chain by chain."""

from django.core.management.base import BaseCommand, CommandError

from lifecycle.models import DecisionRecord
from lifecycle.services.ledger import chain_verify, legacy_verify


class Command(BaseCommand):
    help = (
        "Recompute every hash chain of every relationship's decision ledger (and the single "
        "chain of the entries sealed before the ledger had one per audience); fail on a break."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--relationship", type=int, action="append", help="Only these relationship ids."
        )

    def handle(self, *args, **options):
        ids = options["relationship"] or (
            DecisionRecord.objects.unscoped()  # unscoped(system): an operator checks every ledger
            .order_by("relationship_id")
            .values_list("relationship_id", flat=True)
            .distinct()
        )
        broken = 0
        checked = 0
        for relationship_id in ids:
            result = chain_verify(relationship_id=relationship_id)
            legacy = legacy_verify(relationship_id=relationship_id)
            checked += 1
            failures = [chain for chain in result.chains if not chain.verified]
            if not legacy.verified:
                failures.append(legacy)
            if not failures:
                chains = ", ".join(f"{c.chain} {c.records}" for c in result.chains)
                self.stdout.write(
                    f"relationship {relationship_id}: {result.records} entries, chains intact"
                    f" ({chains})"
                )
                continue
            broken += 1
            for failure in failures:
                self.stderr.write(
                    f"relationship {relationship_id}: BROKEN in chain {failure.chain} at entry "
                    f"{failure.broken_at} ({failure.reason})"
                )
        if broken:
            raise CommandError(f"{broken} of {checked} decision ledgers do not verify.")
        self.stdout.write(self.style.SUCCESS(f"{checked} decision ledgers verified."))
