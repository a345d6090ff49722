"""ACH files are no longer kept as text (it held account numbers in clear): each file's debits
become AchBatchEntry rows with the account number encrypted, and the file is built again when
it is downloaded. Trace numbers come from a per-originator, per-day sequence from now on.

Row-level security applies to the migrating role too, so existing files are moved once per
alliance with that alliance's scope set (as members/0003 does). Their entries keep the trace
numbers the bank was sent, with no file date (the uniqueness of traces holds from now on).

Proven on a database holding files by tests/security/test_bank_numbers.py (the first version
took the company name from the batch header, cut to 16 characters, so a rebuilt file's header
differed from the one sent; no install had converted a file then, so this one was corrected).
"""

from decimal import Decimal

import alliance.crypto
import django.db.models.deletion
from django.db import migrations, models

from alliance.crypto import encrypt
from alliance.db import tenant_rls

ENTRY = """
    INSERT INTO billing_achbatchentry (alliance_id, batch_id, payment_id, routing_number, account_number_encrypted,
        account_last4, account_type, amount, individual_id, holder_name, origin_routing, company_id, file_date,
        trace_number)
    VALUES (%s, %s, (SELECT id FROM billing_payment WHERE alliance_id = %s AND method = 'ach' AND reference = %s
                      AND note = %s ORDER BY id LIMIT 1), %s, %s, %s, %s, %s, %s, %s, %s, %s, NULL, %s)
"""


def entries_from_file_texts(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id FROM alliance_alliance")
        for (alliance_id,) in cursor.fetchall():
            cursor.execute("SELECT set_config('app.alliance_id', %s, true)", [str(alliance_id)])
            cursor.execute("SELECT id, file_text FROM billing_achbatch WHERE alliance_id = %s", [alliance_id])
            for batch_id, text in cursor.fetchall():
                records = (text or "").split("\n")
                header = next((r for r in records if r.startswith("1")), " " * 94)
                batch = next((r for r in records if r.startswith("5")), " " * 94)
                # The company name as the file header carries it (23 characters), not the batch
                # header's 16: the file rebuilt at download must match the one the bank was sent.
                origin, company_name, company_id = header[4:13], header[63:86].strip(), batch[40:50].strip()
                cursor.execute(
                    "UPDATE billing_achbatch SET origin_routing = %s, company_id = %s, company_name = %s WHERE id = %s",
                    [origin, company_id, company_name, batch_id],
                )
                for record in records:
                    if not record.startswith("6"):
                        continue
                    account, trace = record[12:29].strip(), record[79:94]
                    cursor.execute(
                        ENTRY,
                        [
                            alliance_id,
                            batch_id,
                            alliance_id,
                            trace,
                            f"Autopay, ACH file {batch_id}",
                            record[3:12],
                            encrypt(account),
                            account[-4:],
                            "checking" if record[1:3] == "27" else "savings",
                            Decimal(int(record[29:39])) / 100,
                            record[39:54].strip(),
                            record[54:76].strip(),
                            origin,
                            company_id,
                            trace,
                        ],
                    )
        cursor.execute("SELECT set_config('app.alliance_id', '', true)")
        # Check the new rows' foreign keys now, so the ALTER TABLE below has no pending trigger events.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ('alliance', '0007_apitoken_expires_at'),
        ('billing', '0007_refunds'),
    ]

    operations = [
        migrations.AddField(
            model_name='achbatch',
            name='company_id',
            field=models.CharField(blank=True, help_text='The ACH company id, as filed.', max_length=10),
        ),
        migrations.AddField(
            model_name='achbatch',
            name='company_name',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name='achbatch',
            name='file_date',
            field=models.DateField(blank=True, help_text="The alliance's day the file was made.", null=True),
        ),
        migrations.AddField(
            model_name='achbatch',
            name='origin_routing',
            field=models.CharField(blank=True, help_text='The ODFI routing number, as filed.', max_length=9),
        ),
        migrations.AlterField(
            model_name='bankaccount',
            name='account_number_encrypted',
            field=alliance.crypto.EncryptedTextField(),
        ),
        migrations.CreateModel(
            name='AchBatchEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('routing_number', models.CharField(max_length=9)),
                ('account_number_encrypted', alliance.crypto.EncryptedTextField()),
                ('account_last4', models.CharField(max_length=4)),
                ('account_type', models.CharField(choices=[('checking', 'Checking'), ('savings', 'Savings')], default='checking', max_length=10)),
                ('amount', models.DecimalField(decimal_places=2, max_digits=12)),
                ('individual_id', models.CharField(max_length=15)),
                ('holder_name', models.CharField(max_length=22)),
                ('origin_routing', models.CharField(max_length=9)),
                ('company_id', models.CharField(max_length=10)),
                ('file_date', models.DateField(blank=True, help_text='Blank for files made before traces were unique.', null=True)),
                ('trace_number', models.CharField(max_length=15)),
                ('alliance', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='alliance.alliance')),
                ('batch', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='entries', to='billing.achbatch')),
                ('payment', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='ach_entry', to='billing.payment')),
            ],
            options={
                'ordering': ['batch_id', 'trace_number'],
                'indexes': [models.Index(fields=['alliance', 'trace_number'], name='achentry_trace')],
                'constraints': [models.UniqueConstraint(fields=('alliance', 'origin_routing', 'company_id', 'file_date', 'trace_number'), name='achentry_trace_unique_per_originator_and_day')],
            },
        ),
        migrations.CreateModel(
            name='AchTraceSequence',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('origin_routing', models.CharField(max_length=9)),
                ('company_id', models.CharField(max_length=10)),
                ('day', models.DateField()),
                ('last_sequence', models.PositiveIntegerField(default=0)),
                ('alliance', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='alliance.alliance')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('alliance', 'origin_routing', 'company_id', 'day'), name='achtrace_one_per_originator_and_day')],
            },
        ),
        tenant_rls("billing_achbatchentry"),
        tenant_rls("billing_achtracesequence"),
        migrations.RunPython(entries_from_file_texts, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='achbatch',
            name='file_text',
        ),
    ]
