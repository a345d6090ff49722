"""Families, guardians, children and enrollments from a Brightwheel or Procare export (or the
Hub's template): upload CSV or XLSX, match columns, preview every row, import all or nothing,
re-import by the source's ids."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from alliance.dates import alliance_today
from alliance.models import AuditEvent
from alliance.tenancy import alliance_scope
from enrollment.models import Child, Enrollment, ExternalRecord, Family, Guardian
from members.models import ImportBatch, ImportMapping, ImportStatus
from tests.enrollment.factories import months_before

BW_HEADER = (
    "brightwheel_id,first_name,last_name,birthdate,homeroom,enrollment_status,"
    "parent_1_first_name,parent_1_last_name,parent_1_email,parent_1_phone,address,city,zip"
)


def bw_line(bw_id: str, first: str, last: str, born: datetime.date, room: str, parent: str, email: str) -> str:
    return (
        f"{bw_id},{first},{last},{born:%m/%d/%Y},{room},Active,{parent},{last},{email},555-0101,"
        "1 Elm St,Riverbend,01234"
    )


@pytest.fixture
def roster(world, rooms):
    """Four children in Brightwheel's shape: two Lopez siblings (one family by parent email), a
    toddler, and an infant; `bad` puts the infant in the toddler room (age refusal)."""
    today = alliance_today(world.a)
    toddler, infant = months_before(today, 20), months_before(today, 6)

    def build(*, bad: bool = False) -> str:
        lines = [
            BW_HEADER,
            bw_line("bw-1", "Ava", "Lopez", toddler, "Toddler Room", "Maria", "maria@x.example"),
            bw_line("bw-2", "Leo", "Lopez", infant, "Infant Room", "Maria", "maria@x.example"),
            bw_line("bw-3", "Kai", "Chen", toddler, "toddler room", "Wei", "wei@x.example"),
            bw_line("bw-4", "Mia", "Okafor", infant, "Toddler Room" if bad else "Infant Room", "Ada", "ada@x.example"),
        ]
        return "\n".join(lines) + "\n"

    return build


def url(world, name: str, *args: object) -> str:
    return reverse(f"members:{name}", args=[world.a.slug, *args])


def upload(client, world, text: str | bytes, *, name: str = "roster.csv", source: str = "brightwheel"):  # type: ignore[no-untyped-def]
    raw = text.encode() if isinstance(text, str) else text
    file = SimpleUploadedFile(name, raw)
    return client.post(url(world, "import_upload", world.x.pk, "families"), {"file": file, "source": source})


def batch_of(response, world) -> ImportBatch:  # type: ignore[no-untyped-def]
    assert response.status_code == 302, response.context and response.context["form"].errors
    with alliance_scope(world.a.pk):
        return ImportBatch.objects.order_by("-pk").first()


def counts(world) -> tuple[int, int, int, int]:
    with alliance_scope(world.a.pk):
        return (
            Family.objects.count(),
            Guardian.objects.count(),
            Child.objects.count(),
            Enrollment.objects.filter(program=world.x).count(),
        )


class TestBrightwheelRoster:
    def test_map_preview_refuse_then_fix_and_import(self, clients, world, rooms, roster):
        client = clients.provider_x
        response = upload(client, world, roster(bad=True))
        batch = batch_of(response, world)
        assert response["Location"] == url(world, "import_mapping", world.x.pk, batch.pk)
        mapping_page = client.get(response["Location"])
        html = mapping_page.content.decode()
        assert "Brightwheel roster export" in html
        # The preset picked Brightwheel's own column for the child's id and room.
        form = mapping_page.context["form"]
        assert form["child_id"].initial == "brightwheel_id"
        assert form["classroom"].initial == "homeroom"

        posted = {name: field.initial or "" for name, field in form.fields.items()}
        preview = client.post(response["Location"], posted)
        assert preview.status_code == 302
        page = client.get(preview["Location"])
        html = page.content.decode()
        assert "1 of 4 rows has errors" in html
        assert "Mia Okafor is 6 months old" in html
        assert "Toddler Room takes toddlers" in html
        # Line 5, column E: the file's own column letter of homeroom.
        assert "Line 5, column E (classroom)" in html
        assert client.post(preview["Location"], {"action": "commit"}).status_code == 200
        assert counts(world) == (0, 0, 0, 0)

        # The corrected file: the mapping saved for program X and Brightwheel is offered again.
        response = upload(client, world, roster())
        second = batch_of(response, world)
        with alliance_scope(world.a.pk):
            assert ImportMapping.objects.get(program=world.x, source="brightwheel").mapping["classroom"] == "homeroom"
            assert second.mapping["child_id"] == "brightwheel_id"
        form = client.get(response["Location"]).context["form"]
        client.post(response["Location"], {name: field.initial or "" for name, field in form.fields.items()})
        done = client.post(url(world, "import_preview", world.x.pk, second.pk), {"action": "commit"})
        assert done.status_code == 302
        report = client.get(done["Location"]).content.decode()
        # 4 children; the Lopez siblings share one family (same parent email): 3 families, 3 guardians.
        assert "3 families created." in report
        assert "4 children created." in report
        assert "4 enrollments created." in report
        assert counts(world) == (3, 3, 4, 4)
        with alliance_scope(world.a.pk):
            ava = Child.objects.get(first_name="Ava")
            assert ava.family.name == "Lopez family"
            assert ava.family.children.count() == 2
            enrollment = ava.enrollments.get()
            assert enrollment.classroom == rooms.toddlers
            assert enrollment.weekdays == [0, 1, 2, 3, 4]
            assert str(enrollment.fte) == "1.00"
            assert AuditEvent.objects.filter(action="families.imported").count() == 1

        # The toddler room's page shows the two toddlers.
        enrollments = client.get(reverse("enrollment:enrollment_list", args=[world.a.slug])).content.decode()
        assert "Ava Lopez" in enrollments
        assert "Kai Chen" in enrollments

    def test_a_reimport_updates_by_brightwheel_id_and_says_what_changed(self, clients, world, rooms, roster):
        client = clients.staff_a
        first = batch_of(upload(client, world, roster()), world)
        self._map_with_preset(client, world, first)
        client.post(url(world, "import_preview", world.x.pk, first.pk), {"action": "commit"})
        assert counts(world) == (3, 3, 4, 4)

        # Same file again: nothing written.
        again = batch_of(upload(client, world, roster()), world)
        self._map_with_preset(client, world, again)
        done = client.post(url(world, "import_preview", world.x.pk, again.pk), {"action": "commit"})
        report = client.get(done["Location"]).content.decode()
        assert "4 children unchanged." in report
        assert "created" not in report
        assert counts(world) == (3, 3, 4, 4)

        # Kai moves to three days a week, Ava's name is corrected: 2 children updated.
        changed = roster().replace("bw-3,Kai,Chen", "bw-3,Kai,Chen").replace("Ava,Lopez", "Eva,Lopez")
        changed = changed.replace(BW_HEADER, BW_HEADER + ",schedule")
        lines = changed.strip().split("\n")
        lines = [lines[0]] + [line + (",Mon-Wed" if "bw-3" in line else ",") for line in lines[1:]]
        third = batch_of(upload(client, world, "\n".join(lines) + "\n"), world)
        self._map_with_preset(client, world, third)
        done = client.post(url(world, "import_preview", world.x.pk, third.pk), {"action": "commit"})
        report = client.get(done["Location"]).content.decode()
        assert "2 children updated: 1 name, 1 schedule." in report
        assert "2 children unchanged." in report
        with alliance_scope(world.a.pk):
            assert Child.objects.filter(first_name="Eva").count() == 1
            kai = Enrollment.objects.filter(child__first_name="Kai").order_by("-start_date").first()
            assert kai.weekdays == [0, 1, 2]
            assert str(kai.fte) == "0.60"
            assert Child.objects.count() == 4
            assert ExternalRecord.objects.filter(kind="child").count() == 4

    @staticmethod
    def _map_with_preset(client, world, batch: ImportBatch) -> None:  # type: ignore[no-untyped-def]
        page = client.get(url(world, "import_mapping", world.x.pk, batch.pk))
        form = page.context["form"]
        response = client.post(
            url(world, "import_mapping", world.x.pk, batch.pk),
            {name: field.initial or "" for name, field in form.fields.items()},
        )
        assert response.status_code == 302, response.context["form"].errors

    def test_a_room_over_its_licensed_places_refuses_the_row_that_overflows(self, clients, world, rooms):
        today = alliance_today(world.a)
        infant = months_before(today, 6)
        lines = [BW_HEADER] + [
            bw_line(f"bw-{i}", f"Baby{i}", f"Family{i}", infant, "Infant Room", "Pat", f"p{i}@x.example")
            for i in range(1, 10)
        ]
        batch = batch_of(upload(clients.provider_x, world, "\n".join(lines) + "\n"), world)
        self._map_with_preset(clients.provider_x, world, batch)
        html = clients.provider_x.get(url(world, "import_preview", world.x.pk, batch.pk)).content.decode()
        # 8 licensed places: the ninth baby (line 10) is refused, the first eight are fine.
        assert "1 of 9 rows has errors" in html
        assert "Line 10, column E (classroom): Infant Room is full" in html
        assert "8.0 of 8 licensed places taken" in html
        assert counts(world) == (0, 0, 0, 0)

    def test_a_required_column_left_unmapped_is_refused_on_the_mapping_page(self, clients, world, rooms, roster):
        batch = batch_of(upload(clients.provider_x, world, roster()), world)
        page = clients.provider_x.get(url(world, "import_mapping", world.x.pk, batch.pk))
        posted = {name: field.initial or "" for name, field in page.context["form"].fields.items()}
        posted["classroom"] = ""
        posted["child_last_name"] = "first_name"  # also given to the first name
        response = clients.provider_x.post(url(world, "import_mapping", world.x.pk, batch.pk), posted)
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert "required" in errors["classroom"][0]
        assert "already used" in str(errors)
        with alliance_scope(world.a.pk):
            batch.refresh_from_db()
            assert not batch.mapped
        # The preview is not reachable before the mapping.
        assert clients.provider_x.get(url(world, "import_preview", world.x.pk, batch.pk))["Location"].endswith(
            "/columns/"
        )


class TestOtherShapes:
    def test_an_xlsx_in_the_hubs_template_imports(self, clients, world, rooms):
        from openpyxl import Workbook

        today = alliance_today(world.a)
        book = Workbook()
        sheet = book.active
        sheet.append(["child_id", "child_first_name", "child_last_name", "date_of_birth", "classroom", "schedule"])
        sheet.append(["C-1", "Noor", "Haddad", months_before(today, 22), "Toddler Room", "Mon,Wed,Fri"])
        sheet.append(["C-2", "Sami", "Haddad", months_before(today, 7), "Infant Room", None])
        out = io.BytesIO()
        book.save(out)
        batch = batch_of(upload(clients.provider_x, world, out.getvalue(), name="roster.xlsx", source="hub"), world)
        assert batch.mapped
        done = clients.provider_x.post(url(world, "import_preview", world.x.pk, batch.pk), {"action": "commit"})
        assert done.status_code == 302
        with alliance_scope(world.a.pk):
            noor = Enrollment.objects.get(child__first_name="Noor")
            assert noor.weekdays == [0, 2, 4]
            assert str(noor.fte) == "0.60"
            # No family id nor guardian email: each child is a family of its own.
            assert Family.objects.count() == 2

    def test_procare_preset_groups_children_by_account_id(self, clients, world, rooms):
        today = alliance_today(world.a)
        text = (
            "Account ID,Person ID,First Name,Last Name,Date of Birth,Primary Classroom,Payer First Name,"
            "Payer Last Name\n"
            f"A-7,P-1,Zoe,Brown,{months_before(today, 20):%m/%d/%Y},Toddler Room,Sam,Brown\n"
            f"A-7,P-2,Max,Brown,{months_before(today, 5):%m/%d/%Y},Infant Room,Sam,Brown\n"
        )
        batch = batch_of(upload(clients.provider_x, world, text, source="procare"), world)
        TestBrightwheelRoster._map_with_preset(clients.provider_x, world, batch)
        clients.provider_x.post(url(world, "import_preview", world.x.pk, batch.pk), {"action": "commit"})
        assert counts(world) == (1, 1, 2, 2)


class TestStrangers:
    def test_it_validates_ownership(self, clients, world, rooms, roster):
        batch = batch_of(upload(clients.provider_x, world, roster()), world)
        for client in (clients.provider_y, clients.admin_b):
            assert client.get(url(world, "import_mapping", world.x.pk, batch.pk)).status_code == 404
            assert client.post(url(world, "import_mapping", world.x.pk, batch.pk), {}).status_code == 404
        with alliance_scope(world.a.pk):
            batch.refresh_from_db()
            assert batch.status == ImportStatus.PENDING
            assert not batch.mapped
