"""Issue 19, finding 3: a bank account number is never stored or exported in clear.

A known number goes in through the bank details page and out through every path that touches
it — the ACH file, the returns upload, the API, the audit history, the data export and the log.
Then every text column of every table, the export zip and the captured log are searched for
it: the only place it may appear is the ACH file as it is downloaded. Before the fix the whole
file was kept in AchBatch.file_text and written unchanged into the export."""

from __future__ import annotations

import datetime
import io
import json
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from alliance.crypto import decrypt, encrypted_fields
from alliance.db import owner_role
from alliance.models import AuditEvent, DataExport
from alliance.tenancy import alliance_scope
from billing.ach import ach_file_generate
from billing.models import AchBatch, AchBatchEntry, BankAccount, Payment
from tests.alliance.test_observability import captured_log_lines
from tests.security.autopay import LOPEZ_ACCOUNT_NUMBER, YOUNG_ACCOUNT_NUMBER, autopay_families, returns_csv

ROOT = Path(__file__).resolve().parents[2]
KNOWN = "73915508264417"  # the family's account number, entered on the page
TEXT_TYPES = ("text", "character varying", "character", "json", "jsonb")


def columns_holding(needle: str) -> list[str]:
    """Every text column of every table (information_schema), read as the owner, under each
    alliance's row-level-security scope and under none, that contains `needle`."""
    found: list[str] = []
    with owner_role(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type = ANY(%s) ORDER BY table_name, column_name",
            [list(TEXT_TYPES)],
        )
        columns = cursor.fetchall()
        assert len(columns) > 100  # the whole schema, not a handful
        cursor.execute("SELECT id::text FROM alliance_alliance")
        scopes = [row[0] for row in cursor.fetchall()] + [""]
        for scope in scopes:
            cursor.execute("SELECT set_config('app.alliance_id', %s, true)", [scope])
            for table, column in columns:
                cursor.execute(
                    f'SELECT count(*) FROM "{table}" WHERE strpos("{column}"::text, %s) > 0',  # noqa: S608
                    [needle],
                )
                if cursor.fetchone()[0]:
                    found.append(f"{table}.{column}")
        cursor.execute("SELECT set_config('app.alliance_id', '', true)")
    return sorted(set(found))


def test_the_account_number_appears_only_in_the_ach_download(
    world, clients, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.HUB_EXPORT_DIR = str(tmp_path)
    fam = autopay_families(world)
    base = f"/a/{world.a.slug}"
    with captured_log_lines() as lines:
        saved = clients.staff_a.post(
            f"{base}/billing/accounts/{fam.lopez_x.pk}/bank/",
            {
                "holder_name": "Maria Lopez",
                "routing_number": "011000015",
                "account_number": KNOWN,
                "account_type": "checking",
                "autopay_enabled": "on",
            },
        )
        assert saved.status_code == 302
        assert clients.staff_a.post(f"{base}/billing/ach/", {"program": world.x.pk, "settlement_date": "2026-03-05"})
        with alliance_scope(world.a.pk):
            batch = AchBatch.objects.get()
            trace = Payment.objects.get(account=fam.lopez_x).reference
        download = clients.staff_a.get(f"{base}/billing/ach/{batch.pk}/file/")
        assert download.status_code == 200
        assert KNOWN in download.content.decode()  # the bank needs it in clear: here, and only here
        upload = SimpleUploadedFile("returns.csv", returns_csv(f"{trace},R01,1000.00,{KNOWN}").encode())
        returned = clients.staff_a.post(f"{base}/billing/ach/returns/", {"file": upload})
        assert "Reversed" in returned.content.decode()
        pages_and_api = [
            returned,
            clients.staff_a.get(f"{base}/billing/ach/"),
            clients.staff_a.get(f"{base}/billing/accounts/{fam.lopez_x.pk}/"),
            clients.staff_a.get(f"{base}/billing/accounts/{fam.lopez_x.pk}/bank/"),
            clients.staff_a.get(f"{base}/audit/"),
            clients.staff_a.get(f"/api/a/{world.a.slug}/audit-events/"),
            clients.staff_a.get(f"/api/a/{world.a.slug}/payments/"),
            clients.staff_a.get(f"/api/a/{world.a.slug}/billing-accounts/{fam.lopez_x.pk}/"),
        ]
        with django_capture_on_commit_callbacks(execute=True):
            assert clients.admin_a.post(f"{base}/export/").status_code == 302
        with alliance_scope(world.a.pk):
            export = DataExport.objects.get()
        assert export.status == "done"
        zipped = clients.admin_a.get(f"{base}/export/{export.pk}/download/")
        archive = zipfile.ZipFile(io.BytesIO(b"".join(zipped.streaming_content)))

    for response in pages_and_api:
        assert response.status_code == 200, response.request["PATH_INFO"]
        assert KNOWN not in response.content.decode(), response.request["PATH_INFO"]
    assert KNOWN not in json.dumps(lines), "the account number reached the log"
    everything = {name: archive.read(name).decode() for name in archive.namelist()}
    assert [name for name, text in everything.items() if KNOWN in text] == []
    bank_rows = json.loads(everything["json/billing.bankaccount.json"])
    lopez = next(row for row in bank_rows if row["account_id"] == fam.lopez_x.pk)
    assert lopez["account_number_encrypted"] == "[encrypted, not exported]"  # not even the ciphertext
    assert lopez["account_last4"] == KNOWN[-4:]
    assert columns_holding(KNOWN) == []
    assert columns_holding("021000021") != []  # the search finds what is there (the program's routing number)
    with alliance_scope(world.a.pk):
        assert decrypt(BankAccount.objects.get(account=fam.lopez_x).account_number_encrypted) == KNOWN


def test_every_encrypted_column_is_known_to_rotation_and_export():
    assert {f"{model._meta.label_lower}.{name}" for model, name in encrypted_fields()} >= {
        "billing.bankaccount.account_number_encrypted",
        "billing.achbatchentry.account_number_encrypted",
    }


def start(**env: str) -> subprocess.CompletedProcess[str]:
    import os

    environment = {k: v for k, v in os.environ.items() if not k.startswith("HUB_FIELD_ENCRYPTION_KEY")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "a-production-like-secret-" + "k" * 40,
    "DJANGO_ALLOWED_HOSTS": "hub.example.org",
}


def test_production_refuses_to_start_without_its_own_field_encryption_key():
    refused = start(**PRODUCTION)
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr
    assert "HUB_FIELD_ENCRYPTION_KEY" in refused.stderr
    malformed = start(**PRODUCTION, HUB_FIELD_ENCRYPTION_KEYS="not-a-key")
    assert malformed.returncode != 0
    assert "HUB_FIELD_ENCRYPTION_KEYS" in malformed.stderr
    from cryptography.fernet import Fernet

    assert "started" in start(**PRODUCTION, HUB_FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode()).stdout
    assert "started" in start(DJANGO_DEBUG="true").stdout  # the demo derives one


def test_rotation_reencrypts_every_encrypted_field_once_under_the_newest_key(world, settings):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    fam = autopay_families(world)
    with alliance_scope(world.a.pk):
        ach_file_generate(actor=None, program=world.x, settlement_date=datetime.date(2026, 3, 5))
    old_key = settings.HUB_FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.HUB_FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    out = io.StringIO()
    call_command("rotate_field_encryption", stdout=out)
    report = out.getvalue()
    assert f"{world.a.slug}: billing.bankaccount.account_number_encrypted: 2 re-encrypted, 0 already current" in report
    assert f"{world.a.slug}: billing.achbatchentry.account_number_encrypted: 2 re-encrypted" in report
    assert "4 value(s) re-encrypted under the newest key." in report
    settings.HUB_FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is dropped: everything still reads
    with alliance_scope(world.a.pk):
        assert decrypt(BankAccount.objects.get(account=fam.lopez_x).account_number_encrypted) == LOPEZ_ACCOUNT_NUMBER
        assert AuditEvent.objects.filter(action="field_encryption.rotated").count() == 1
    again = io.StringIO()
    call_command("rotate_field_encryption", "--alliance", world.a.slug, stdout=again)
    assert "0 value(s) re-encrypted under the newest key." in again.getvalue()
    assert "2 already current" in again.getvalue()


BEFORE_ENTRIES = [("billing", "0007_refunds")]
LONG_NAME = "Riverbend Early Learning Center"  # longer than the batch header's 16 characters


def old_style(text: str, renumber_from: int) -> str:
    """A file as the Hub wrote it before traces were unique: each file numbered its entries from 1."""
    records = text.split("\n")
    for index, record in enumerate(records):
        if record.startswith("6"):
            trace = record[79:94]
            records[index] = record[:79] + trace[:8] + f"{int(trace[8:]) - renumber_from + 1:07d}"
    return "\n".join(records)


def test_the_migration_converts_a_stored_ach_file_into_encrypted_entries_and_the_same_download(
    transactional_db, world, clients
):
    """billing 0008 on a database that holds files: two files of program X as the Hub stored
    them before 0008 (the whole NACHA text in AchBatch.file_text, account numbers in clear, both
    numbering their traces from 1). Migrating forward turns each debit into an entry with its
    payment, amount and trace, no account number stays in clear anywhere, and downloading each
    file gives back the stored text byte for byte."""
    from django.db.migrations.executor import MigrationExecutor

    from alliance.db import ensure_app_role
    from tests.security.autopay import invoice_month

    fam = autopay_families(world)
    base = f"/a/{world.a.slug}"
    with alliance_scope(world.a.pk):
        world.x.name = LONG_NAME
        world.x.save(update_fields=["name"])
        march = ach_file_generate(actor=None, program=world.x, settlement_date=datetime.date(2026, 3, 5))
    invoice_month(world, datetime.date(2026, 4, 1))
    with alliance_scope(world.a.pk):
        april = ach_file_generate(actor=None, program=world.x, settlement_date=datetime.date(2026, 4, 5))
        payments = {
            (p.note, p.account_id): (p.pk, p.reference, p.amount)
            for p in Payment.objects.filter(method="ach").order_by("pk")
        }
    stored = {
        march.pk: clients.staff_a.get(f"{base}/billing/ach/{march.pk}/file/").content.decode(),
        april.pk: old_style(clients.staff_a.get(f"{base}/billing/ach/{april.pk}/file/").content.decode(), 3),
    }
    assert LOPEZ_ACCOUNT_NUMBER in stored[march.pk]
    assert LOPEZ_ACCOUNT_NUMBER in stored[april.pk]

    columns = "id, alliance_id, program_id, settlement_date, entry_count, total, created_by_id, created_at"
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        with owner_role():
            with transaction.atomic(), connection.cursor() as cursor:
                # 0008 cannot be undone while files exist (its reverse adds file_text back NOT NULL
                # without a default): the batches step aside, and return below as 0007 kept them.
                cursor.execute("SELECT set_config('app.alliance_id', %s, true)", [str(world.a.pk)])
                cursor.execute(f"SELECT {columns} FROM billing_achbatch ORDER BY id")  # noqa: S608
                kept = cursor.fetchall()
                cursor.execute("DELETE FROM billing_achbatchentry")
                cursor.execute("DELETE FROM billing_achbatch")
            executor.migrate(BEFORE_ENTRIES)
            with transaction.atomic(), connection.cursor() as cursor:
                # What the database held before 0008: the whole text, and payments carrying its traces.
                cursor.execute("SELECT set_config('app.alliance_id', %s, true)", [str(world.a.pk)])
                for row in kept:
                    values = ", ".join(["%s"] * (len(row) + 1))
                    cursor.execute(
                        f"INSERT INTO billing_achbatch ({columns}, file_text) VALUES ({values})",  # noqa: S608
                        [*row, stored[row[0]]],
                    )
                cursor.execute(
                    "UPDATE billing_payment"
                    " SET reference = left(reference, 8) || lpad((right(reference, 7)::int - 2)::text, 7, '0')"
                    " WHERE note = %s",
                    [f"Autopay, ACH file {april.pk}"],
                )
                cursor.execute("SELECT count(DISTINCT reference) FROM billing_payment WHERE method = 'ach'")
                assert cursor.fetchone()[0] == 2  # March and April share traces ...0000001 and ...0000002
            executor = MigrationExecutor(connection)
            executor.migrate(leaves)
            ensure_app_role()
    finally:
        with owner_role():
            MigrationExecutor(connection).migrate(leaves)
            ensure_app_role()

    with alliance_scope(world.a.pk):
        entries = list(AchBatchEntry.objects.order_by("batch_id", "trace_number"))
        assert [(e.batch_id, e.trace_number, e.amount, e.account_last4) for e in entries] == [
            (march.pk, "021000020000001", Decimal("1000.00"), LOPEZ_ACCOUNT_NUMBER[-4:]),
            (march.pk, "021000020000002", Decimal("1000.00"), YOUNG_ACCOUNT_NUMBER[-4:]),
            (april.pk, "021000020000001", Decimal("1000.00"), LOPEZ_ACCOUNT_NUMBER[-4:]),
            (april.pk, "021000020000002", Decimal("1000.00"), YOUNG_ACCOUNT_NUMBER[-4:]),
        ]
        for entry in entries:
            batch = march if entry.batch_id == march.pk else april
            account = fam.lopez_x.pk if entry.account_last4 == LOPEZ_ACCOUNT_NUMBER[-4:] else fam.young_x.pk
            payment_id, _, amount = payments[(f"Autopay, ACH file {batch.pk}", account)]
            assert (entry.payment_id, entry.amount) == (payment_id, amount)  # the file's own payment
            assert entry.file_date is None
        assert [decrypt(e.account_number_encrypted) for e in entries[:2]] == [
            LOPEZ_ACCOUNT_NUMBER,
            YOUNG_ACCOUNT_NUMBER,
        ]
        assert [e.account_type for e in entries[:2]] == ["checking", "savings"]
        batches = {b.pk: b for b in AchBatch.objects.all()}
        assert {(b.origin_routing, b.company_id) for b in batches.values()} == {("021000021", "1123456789")}
    assert columns_holding(LOPEZ_ACCOUNT_NUMBER) == []
    assert columns_holding(YOUNG_ACCOUNT_NUMBER) == []
    for batch_id, text in stored.items():
        download = clients.staff_a.get(f"{base}/billing/ach/{batch_id}/file/")
        assert download.status_code == 200
        assert download.content.decode() == text
