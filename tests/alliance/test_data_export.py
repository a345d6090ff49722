"""A Hub takes its data with it; an operator removes one alliance entirely."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command

from alliance.audit import audit_event_record
from alliance.csvsafe import csv_safe
from alliance.dataexport import alliance_rows_remaining, data_export_request, tenant_models
from alliance.models import Alliance, DataExport, TaskOutbox
from alliance.outbox import task_enqueue
from alliance.tasks import export_alliance_data
from alliance.tenancy import alliance_scope
from members.models import MemberProgram


@pytest.fixture
def exports_here(settings, tmp_path):
    settings.HUB_EXPORT_DIR = str(tmp_path)
    return tmp_path


class TestExport:
    def test_admin_exports_every_table_of_the_alliance_only(
        self, world, clients, exports_here, django_capture_on_commit_callbacks
    ):
        with alliance_scope(world.a.pk):
            audit_event_record(actor=None, action="note", target=world.x, reason='=HYPERLINK("x")')
        with django_capture_on_commit_callbacks(execute=True):
            response = clients.admin_a.post(f"/a/{world.a.slug}/export/")
        assert response.status_code == 302
        with alliance_scope(world.a.pk):
            export = DataExport.objects.get()
        assert export.status == "done"
        assert export.tables_done == export.tables_total
        page = clients.admin_a.get(f"/a/{world.a.slug}/export/")
        assert export.file_name.encode() in page.content
        download = clients.admin_a.get(f"/a/{world.a.slug}/export/{export.pk}/download/")
        assert download.status_code == 200
        archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
        names = set(archive.namelist())
        for model in tenant_models():
            assert f"json/{model._meta.label_lower}.json" in names
            assert f"csv/{model._meta.label_lower}.csv" in names
        programs = json.loads(archive.read("json/members.memberprogram.json"))
        assert {p["name"] for p in programs} == {"Program X", "Program Y"}
        assert b"Program Z" not in b"".join(archive.read(n) for n in names)
        audit_csv = archive.read("csv/alliance.auditevent.csv").decode()
        assert "'=HYPERLINK" in audit_csv  # formula neutralised

    def test_a_message_delivered_twice_writes_one_export(self, world, exports_here):
        """The worker died while writing (the zip is half there) and the message came back, then
        came back once more after the export was done."""
        with alliance_scope(world.a.pk):
            export = data_export_request(actor=None)
            DataExport.objects.filter(pk=export.pk).update(status="running", tables_done=3)
            partial = exports_here / f"{world.a.slug}-export-{export.pk}-{export.created_at:%Y%m%d-%H%M%S}.zip"
            partial.write_bytes(b"PK half a zip")
            first = export_alliance_data.delay(world.a.pk, export.pk).get()
            assert zipfile.ZipFile(exports_here / first["file_name"]).namelist()  # a whole zip now
            (exports_here / first["file_name"]).write_bytes(b"not touched again")
            again = export_alliance_data.delay(world.a.pk, export.pk).get()
            export.refresh_from_db()
        assert again == first
        assert export.status == "done"
        assert export.tables_done == export.tables_total
        assert [p.name for p in exports_here.iterdir()] == [export.file_name]
        assert (exports_here / export.file_name).read_bytes() == b"not touched again"

    def test_progress_row_polls_while_running(self, world, clients, exports_here):
        with alliance_scope(world.a.pk):
            export = DataExport.objects.create(status="running", tables_total=10, tables_done=4)
        row = clients.admin_a.get(f"/a/{world.a.slug}/export/{export.pk}/progress/")
        assert b'value="40"' in row.content
        assert b"hx-trigger" in row.content
        assert b"4 of 10 tables" in row.content

    def test_an_unfinished_export_cannot_be_downloaded(self, world, clients, exports_here):
        with alliance_scope(world.a.pk):
            export = DataExport.objects.create(status="running", tables_total=10)
        assert clients.admin_a.get(f"/a/{world.a.slug}/export/{export.pk}/download/").status_code == 404

    def test_only_hub_admins_export(self, world, clients, exports_here):
        assert clients.staff_a.post(f"/a/{world.a.slug}/export/").status_code == 403
        assert clients.provider_x.get(f"/a/{world.a.slug}/export/").status_code == 403

    def test_it_validates_ownership(self, world, clients, exports_here):
        with alliance_scope(world.a.pk):
            export = DataExport.objects.create(status="done", tables_total=1, file_name="x.zip")
        assert clients.admin_b.get(f"/a/{world.a.slug}/export/{export.pk}/download/").status_code == 404
        assert clients.admin_b.get(f"/a/{world.b.slug}/export/{export.pk}/download/").status_code == 404
        assert clients.admin_b.get(f"/a/{world.b.slug}/export/{export.pk}/progress/").status_code == 404


def test_csv_safe_neutralises_formulas():
    assert csv_safe("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert csv_safe("+1+1") == "'+1+1"
    assert csv_safe("@SUM(A1)") == "'@SUM(A1)"
    assert csv_safe("-12.50") == "-12.50"
    assert csv_safe("\tx") == "'\tx"
    assert csv_safe("Maple Street") == "Maple Street"
    assert csv_safe(12) == 12


class TestDeleteAlliance:
    def test_deletes_every_row_of_one_alliance_and_proves_it(self, world):
        with alliance_scope(world.a.pk):
            audit_event_record(actor=None, action="note", target=world.x)
            task_enqueue(export_alliance_data.si(world.a.pk, 1))
        with alliance_scope(world.b.pk):
            task_enqueue(export_alliance_data.si(world.b.pk, 1))
        out = io.StringIO()
        call_command("delete_alliance", world.a.slug, confirm=world.a.slug, stdout=out)
        assert "finds none left" in out.getvalue()
        assert not any(alliance_rows_remaining(alliance_id=world.a.pk).values())
        assert not Alliance.objects.filter(pk=world.a.pk).exists()
        # The task outbox, a system table, loses the alliance's rows too; the other's stay.
        assert list(TaskOutbox.objects.values_list("alliance_id", flat=True)) == [world.b.pk]
        with alliance_scope(world.b.pk):
            assert MemberProgram.objects.count() == 1  # the other alliance is untouched

    def test_refuses_without_matching_confirmation(self, world):
        with pytest.raises(CommandError, match="nothing was deleted"):
            call_command("delete_alliance", world.a.slug, confirm="oops")
        assert Alliance.objects.filter(pk=world.a.pk).exists()
