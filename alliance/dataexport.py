"""Take an alliance's data with it, or remove it entirely.

Both walk every tenant model (every subclass of TenantModel in every app), so
tables that later issues add are covered without changes here. Encrypted columns
(alliance/crypto.py: EncryptedTextField, e.g. bank account numbers) are never
exported, not even as ciphertext: the export writes ENCRYPTED_MASK in their place
(the last four digits are a column of their own).
"""

from __future__ import annotations

import datetime
import decimal
import io
import json
import uuid
import zipfile
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from alliance.crypto import EncryptedTextField
from alliance.csvsafe import SafeDictWriter
from alliance.models import Alliance, DataExport
from alliance.tenancy import TenantModel


def tenant_models() -> list[type[TenantModel]]:
    return sorted(
        (m for m in apps.get_models() if issubclass(m, TenantModel)),
        key=lambda m: m._meta.label,
    )


ENCRYPTED_MASK = "[encrypted, not exported]"


def export_dir() -> Path:
    path = Path(settings.HUB_EXPORT_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _plain(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return value


def data_export_request(*, actor) -> DataExport:  # type: ignore[no-untyped-def]
    from alliance.audit import audit_event_record

    export = DataExport.objects.create(requested_by=actor, tables_total=len(tenant_models()) + 1)
    audit_event_record(actor=actor, action="data_export.requested", target=export)
    return export


def data_export_run(*, export_id: int) -> DataExport:
    """Write the zip, one table at a time, recording progress as it goes.

    Safe to repeat (a redelivered task after its worker died): a finished export is left as it
    is, and an unfinished one is written again under the same file name, replacing the part the
    killed worker wrote."""
    export = DataExport.objects.get(pk=export_id)
    if export.status == DataExport.Status.DONE:
        return export
    alliance = Alliance.objects.get(pk=export.alliance_id)
    DataExport.objects.filter(pk=export.pk).update(status=DataExport.Status.RUNNING)
    file_name = f"{alliance.slug}-export-{export.pk}-{export.created_at:%Y%m%d-%H%M%S}.zip"
    target = export_dir() / file_name
    rows_total = 0
    try:
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(
                "alliance.json",
                json.dumps(
                    {f.attname: _plain(getattr(alliance, f.attname)) for f in Alliance._meta.concrete_fields}, indent=2
                ),
            )
            DataExport.objects.filter(pk=export.pk).update(tables_done=1)
            for done, model in enumerate(tenant_models(), start=2):
                fields = [f.attname for f in model._meta.concrete_fields]
                masked = {f.attname for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)}
                rows = [
                    {k: ENCRYPTED_MASK if k in masked and v else _plain(v) for k, v in row.items()}
                    for row in model.objects.order_by("pk").values(*fields)
                ]
                rows_total += len(rows)
                label = model._meta.label_lower
                archive.writestr(f"json/{label}.json", json.dumps(rows, indent=1))
                buffer = io.StringIO()
                writer = SafeDictWriter(buffer, fieldnames=fields)
                writer.writeheader()
                writer.writerows(rows)
                archive.writestr(f"csv/{label}.csv", buffer.getvalue())
                DataExport.objects.filter(pk=export.pk).update(tables_done=done, rows_exported=rows_total)
    except Exception as exc:
        DataExport.objects.filter(pk=export.pk).update(
            status=DataExport.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        target.unlink(missing_ok=True)
        raise
    DataExport.objects.filter(pk=export.pk).update(
        status=DataExport.Status.DONE,
        file_name=file_name,
        file_size=target.stat().st_size,
        rows_exported=rows_total,
        finished_at=timezone.now(),
    )
    export.refresh_from_db()
    return export


def _deletion_order() -> list[type[models.Model]]:
    """Tenant models ordered so that rows are deleted before the rows they point at."""
    remaining = tenant_models()
    order: list[type[models.Model]] = []
    while remaining:
        progress = False
        for model in list(remaining):
            referenced_by_remaining = any(
                f.related_model is model
                for other in remaining
                if other is not model
                for f in other._meta.concrete_fields
                if f.is_relation
            )
            if not referenced_by_remaining:
                order.append(model)
                remaining.remove(model)
                progress = True
        if not progress:  # a cycle: break it by deleting the rest together in one go
            order.extend(remaining)
            break
    return order


def alliance_delete_everything(*, alliance_id: int) -> dict[str, int]:
    """Remove every row of one alliance. Runs as the owner role (operator command):
    append-only tables refuse DELETE to the app role by design."""
    from alliance.db import owner_role

    counts: dict[str, int] = {}
    with owner_role(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for model in _deletion_order():
            table = model._meta.db_table
            cursor.execute(f'DELETE FROM "{table}" WHERE alliance_id = %s', [alliance_id])
            counts[table] = cursor.rowcount
        # The task outbox is a system table (alliance/outbox.py) holding the alliance's id.
        cursor.execute("DELETE FROM alliance_taskoutbox WHERE alliance_id = %s", [alliance_id])
        counts["alliance_taskoutbox"] = cursor.rowcount
        cursor.execute("DELETE FROM alliance_alliance WHERE id = %s", [alliance_id])
        counts["alliance_alliance"] = cursor.rowcount
    return counts


def alliance_rows_remaining(*, alliance_id: int) -> dict[str, int]:
    """Proof by query, as the owner (RLS bypassed): rows left for the alliance, per table."""
    from alliance.db import owner_role

    left: dict[str, int] = {}
    with owner_role(), connection.cursor() as cursor:
        for model in tenant_models():
            table = model._meta.db_table
            cursor.execute(f'SELECT count(*) FROM "{table}" WHERE alliance_id = %s', [alliance_id])
            left[table] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM alliance_taskoutbox WHERE alliance_id = %s", [alliance_id])
        left["alliance_taskoutbox"] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM alliance_alliance WHERE id = %s", [alliance_id])
        left["alliance_alliance"] = cursor.fetchone()[0]
    return left
