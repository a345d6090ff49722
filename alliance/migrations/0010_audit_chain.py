"""The audit hash chain (alliance/auditchain.py): fields, the per-alliance head, and the
events written so far chained in the order they were written (by id)."""

import django.db.models.deletion
from django.db import migrations, models

from alliance.db import tenant_rls

BATCH = 1000


def chain_existing(apps, schema_editor):
    from alliance.auditchain import GENESIS, event_body, link_hash

    Alliance = apps.get_model("alliance", "Alliance")
    AuditEvent = apps.get_model("alliance", "AuditEvent")
    AuditChainHead = apps.get_model("alliance", "AuditChainHead")
    fields = (
        "alliance_id",
        "actor_id",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "program_id",
        "before",
        "after",
        "reason",
        "created_at",
    )
    connection = schema_editor.connection
    for alliance_id in Alliance.objects.order_by("pk").values_list("pk", flat=True):
        # Row-level security applies to the owner too (FORCE): open the alliance's rows.
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('app.alliance_id', %s, true)", [str(alliance_id)])
        prev_hash, seq, pending = GENESIS, 0, []
        for row in (
            AuditEvent.objects.filter(alliance_id=alliance_id)
            .order_by("id")
            .values("id", *fields)
            .iterator(chunk_size=BATCH)
        ):
            seq += 1
            chain_hash = link_hash(prev_hash, event_body(row))
            pending.append(AuditEvent(id=row["id"], chain_seq=seq, chain_prev_hash=prev_hash, chain_hash=chain_hash))
            prev_hash = chain_hash
            if len(pending) >= BATCH:
                AuditEvent.objects.bulk_update(pending, ["chain_seq", "chain_prev_hash", "chain_hash"])
                pending = []
        if pending:
            AuditEvent.objects.bulk_update(pending, ["chain_seq", "chain_prev_hash", "chain_hash"])
        if seq:
            previous = AuditEvent.objects.get(alliance_id=alliance_id, chain_seq=seq).chain_prev_hash
            AuditChainHead.objects.create(alliance_id=alliance_id, seq=seq, prev_hash=previous, hash=prev_hash)
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.alliance_id', '', true)")


class Migration(migrations.Migration):
    dependencies = [
        ("alliance", "0009_home_owner_wage"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.PositiveBigIntegerField()),
                ("prev_hash", models.CharField(max_length=64)),
                ("hash", models.CharField(max_length=64)),
                (
                    "alliance",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="alliance.alliance"
                    ),
                ),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("alliance",), name="auditchainhead_one_per_alliance")],
            },
        ),
        tenant_rls("alliance_auditchainhead"),
        migrations.AddField(
            model_name="auditevent",
            name="chain_seq",
            field=models.PositiveBigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain_prev_hash",
            field=models.CharField(editable=False, max_length=64, default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain_hash",
            field=models.CharField(editable=False, max_length=64, default=""),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
    ]
