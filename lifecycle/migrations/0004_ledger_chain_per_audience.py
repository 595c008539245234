"""One hash chain per audience in the decision ledger (joint, each organization's internal,
each ecosystem member's), instead of one chain per relationship.

With one chain, a partner's view of the ledger counted the lead's internal entries: its first
joint entry could carry sequence 13. Each existing ledger is first verified as it stands (the
migration stops on a broken one: run ``manage.py verify_decisions``), then every entry is linked
into its audience's chain, numbered from 1 there, and sealed anew over its content, its chain
and the hash it had in the old chain. The old chain stays recomputable from ``legacy_*``
(``lifecycle.services.ledger.legacy_verify``), so the re-sealing itself can be checked.

The digests below are copies, frozen with this migration: the application's may change later.
"""

import hashlib
import json

import pgtrigger
from django.db import migrations, models
from django.db.models import Q, Value
from django.db.models.functions import Cast, Concat

GENESIS = "0" * 64
V1 = (
    "relationship_id",
    "sequence",
    "kind",
    "gate_id",
    "gate_kind",
    "from_stage",
    "to_stage",
    "organization_id",
    "visibility",
    "actor_id",
    "actor_user_id",
    "text",
    "payload",
)
V2 = (*V1, "chain", "legacy_hash")


def digest(prev_hash, created_at, fields, names):
    content = {name: fields.get(name) for name in names}
    content["created_at"] = created_at.isoformat(timespec="microseconds")
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def chain_of(row, relationship):
    if row["visibility"] == "internal":
        return f"internal:{row['organization_id']}"
    if relationship["type"] == "ecosystem" and row["organization_id"] != relationship["lead"]:
        return f"member:{row['organization_id']}"
    return "joint"


def split_chains(apps, schema_editor):
    DecisionRecord = apps.get_model("lifecycle", "DecisionRecord")
    Relationship = apps.get_model("relationships", "Relationship")
    relationship_ids = (
        DecisionRecord.objects.order_by().values_list("relationship_id", flat=True).distinct()
    )
    with pgtrigger.ignore("lifecycle.DecisionRecord:append_only"):
        for relationship_id in relationship_ids:
            relationship = (
                Relationship.objects.filter(pk=relationship_id)
                .values("type", lead=models.F("lead_organization_id"))
                .get()
            )
            rows = list(
                DecisionRecord.objects.filter(relationship_id=relationship_id)
                .order_by("sequence")
                .values("id", "created_at", "prev_hash", "hash", *V1)
            )
            expected_prev = GENESIS
            for position, row in enumerate(rows, start=1):
                intact = (
                    row["sequence"] == position
                    and row["prev_hash"] == expected_prev
                    and digest(row["prev_hash"], row["created_at"], row, V1) == row["hash"]
                )
                if not intact:
                    raise RuntimeError(
                        f"The decision ledger of relationship {relationship_id} does not verify "
                        f"at entry {row['sequence']}: it is not re-sealed. Investigate with "
                        "manage.py verify_decisions before migrating."
                    )
                expected_prev = row["hash"]
            last = {}
            for row in rows:
                chain = chain_of(row, relationship)
                sequence, prev_hash = last.get(chain, (0, GENESIS))
                fields = {**row, "sequence": sequence + 1, "chain": chain, "legacy_hash": row["hash"]}
                new_hash = digest(prev_hash, row["created_at"], fields, V2)
                DecisionRecord.objects.filter(pk=row["id"]).update(
                    chain=chain,
                    sequence=sequence + 1,
                    prev_hash=prev_hash,
                    hash=new_hash,
                    legacy_sequence=row["sequence"],
                    legacy_prev_hash=row["prev_hash"],
                    legacy_hash=row["hash"],
                )
                last[chain] = (sequence + 1, new_hash)


class Migration(migrations.Migration):
    dependencies = [
        ("lifecycle", "0003_ledger_no_truncate"),
        ("relationships", "0004_member_invitations"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="decisionrecord",
            options={"ordering": ["relationship_id", "id"]},
        ),
        migrations.RemoveConstraint(model_name="decisionrecord", name="decision_record_sequence"),
        migrations.RemoveConstraint(model_name="decisionrecord", name="decision_record_no_fork"),
        migrations.AddField(
            model_name="decisionrecord",
            name="chain",
            field=models.CharField(
                default="joint",
                help_text="The audience's chain: joint, internal:<organization>, "
                "member:<organization>.",
                max_length=40,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="decisionrecord",
            name="legacy_hash",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="decisionrecord",
            name="legacy_prev_hash",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="decisionrecord",
            name="legacy_sequence",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="decisionrecord",
            name="sequence",
            field=models.PositiveIntegerField(help_text="Position in its chain, from 1."),
        ),
        migrations.RunPython(split_chains, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="decisionrecord",
            constraint=models.UniqueConstraint(
                fields=("relationship", "chain", "sequence"), name="decision_record_sequence"
            ),
        ),
        migrations.AddConstraint(
            model_name="decisionrecord",
            constraint=models.UniqueConstraint(
                fields=("relationship", "chain", "prev_hash"), name="decision_record_no_fork"
            ),
        ),
        migrations.AddConstraint(
            model_name="decisionrecord",
            constraint=models.CheckConstraint(
                condition=Q(chain="joint") | Q(chain__regex="^(internal|member):[0-9]+$"),
                name="decision_record_chain_form",
            ),
        ),
        migrations.AddConstraint(
            model_name="decisionrecord",
            constraint=models.CheckConstraint(
                condition=~Q(visibility="internal")
                | Q(chain=Concat(Value("internal:"), Cast("organization_id", models.TextField()))),
                name="decision_record_internal_chain",
            ),
        ),
    ]
