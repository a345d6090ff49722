"""A Hub takes its data with it; an operator removes one alliance entirely."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command

from alliance.audit import audit_event_record
from alliance.csvsafe import csv_safe
from alliance.dataexport import alliance_rows_remaining, tenant_models
from alliance.models import Alliance, DataExport
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
        out = io.StringIO()
        call_command("delete_alliance", world.a.slug, confirm=world.a.slug, stdout=out)
        assert "finds none left" in out.getvalue()
        assert not any(alliance_rows_remaining(alliance_id=world.a.pk).values())
        assert not Alliance.objects.filter(pk=world.a.pk).exists()
        with alliance_scope(world.b.pk):
            assert MemberProgram.objects.count() == 1  # the other alliance is untouched

    def test_refuses_without_matching_confirmation(self, world):
        with pytest.raises(CommandError, match="nothing was deleted"):
            call_command("delete_alliance", world.a.slug, confirm="oops")
        assert Alliance.objects.filter(pk=world.a.pk).exists()
