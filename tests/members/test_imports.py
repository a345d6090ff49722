"""CSV import: upload, a preview of every row's errors by line and column, then all or
nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from alliance.models import AuditEvent
from members.models import Classroom, ImportBatch, MonthlyCost, StaffMember
from tests.csvrows import csv_rows
from tests.members.factories import MonthlyCostFactory, StaffMemberFactory, capacity_on

D = datetime.date

CLASSROOMS_OK = (
    "site,name,age_group,licensed_capacity,desired_capacity,children_per_staff,"
    "operating_days,opens_at,closes_at,effective_from\n"
    "Main building,Ladybugs,infant,8,8,4,Mon-Fri,07:00,18:00,2026-01-05\n"
    ',Dolphins,Preschool,20,,10,"Mon,Tue,Wed,Thu",7:30 AM,5:30 PM,2026-01-05\n'
)
CLASSROOMS_ONE_BAD = (
    "site,name,age_group,licensed_capacity,desired_capacity,children_per_staff,"
    "operating_days,opens_at,closes_at,effective_from\n"
    "Main building,Ladybugs,infant,8,8,4,Mon-Fri,07:00,18:00,2026-01-05\n"
    "Main building,Dolphins,preschool,twenty,,10,Mon-Fri,07:00,18:00,2026-01-05\n"
    "Main building,Owls,preschool,20,,10,Mon-Fri,07:00,18:00,2026-01-05\n"
)
STAFF_OK = (
    "first_name,last_name,email,position,category,fte,pay_basis,hourly_wage,annual_salary,"
    "benefits_annual,started_on\n"
    'Maria,Lopez,maria@x.example,Lead teacher,classroom,1.00,hourly,$18.50,,"2,400.00",'
    "2025-08-18\n"
    "Rosa,Williams,,Director,admin,1,salary,,62000,6000,2021-10-01\n"
)
COSTS_OK = (
    "month,personnel,occupancy,food,supplies,insurance,other\n"
    "2026-01,,4200.00,1850.25,640,410,275\n"
    "2026-02,31000.00,4200.00,1790.10,655,410,301.15\n"
)


def upload(client, page, program, kind: str, text: str, name: str = "file.csv"):  # type: ignore[no-untyped-def]
    file = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
    return client.post(page("import_upload", program.pk, kind), {"file": file})


def preview_of(client, response):  # type: ignore[no-untyped-def]
    assert response.status_code == 302, getattr(response, "context", {}) and response.context["form"].errors
    return client.get(response["Location"])


class TestClassroomImport:
    def test_a_good_file_is_previewed_then_imported(self, clients, x, in_a, page):
        preview = preview_of(
            clients.provider_x, upload(clients.provider_x, page, x.program, "classrooms", CLASSROOMS_OK)
        )
        assert preview.context["preview"].ok
        assert b"Import 2 classrooms" in preview.content
        with in_a():
            assert not Classroom.objects.filter(name="Ladybugs").exists()  # not yet
        done = clients.provider_x.post(preview.request["PATH_INFO"], {"action": "commit"})
        assert done.status_code == 302
        with in_a():
            dolphins = Classroom.objects.get(name="Dolphins")
            assert dolphins.site == x.site  # the program's only site, by default
            assert dolphins.operating_days == [0, 1, 2, 3]
            assert dolphins.closes_at == datetime.time(17, 30)
            assert capacity_on(dolphins, D(2026, 1, 5)).licensed == 20
            assert AuditEvent.objects.filter(action="import.committed").count() == 1
            assert ImportBatch.objects.get().status == "committed"
        assert b"Imported 2 classrooms" in clients.provider_x.get(done["Location"]).content

    def test_one_bad_row_imports_nothing_and_is_reported_by_line_and_column(self, clients, x, in_a, page):
        preview = preview_of(
            clients.provider_x, upload(clients.provider_x, page, x.program, "classrooms", CLASSROOMS_ONE_BAD)
        )
        report = preview.context["preview"]
        assert not report.ok
        assert report.error_lines() == ["Line 3, column D (licensed_capacity): Enter a whole number."]
        assert b"1 of 3 rows has errors" in preview.content
        assert b"Line 3, column D (licensed_capacity): Enter a whole number." in preview.content
        assert b'value="commit"' not in preview.content
        refused = clients.provider_x.post(preview.request["PATH_INFO"], {"action": "commit"})
        assert refused.status_code == 200
        assert b"Nothing was imported" in refused.content
        with in_a():
            assert list(Classroom.objects.values_list("name", flat=True)) == ["Butterflies"]

    def test_model_rules_and_duplicates_are_reported_per_row(self, clients, x, page):
        text = (
            "name,age_group,licensed_capacity,desired_capacity,children_per_staff,"
            "operating_days,opens_at,closes_at\n"
            "Butterflies,preschool,20,,10,Mon-Fri,07:00,18:00\n"  # exists already
            "Ladybugs,infant,8,9,8,Mon-Fri,07:00,18:00\n"  # desired > licensed, ratio
            "Owls,toddler,12,,6,Funday,18:00,07:00\n"  # days, hours
            "Owls,toddler,12,,6,Mon-Fri,07:00,18:00\n"  # same as line 4
        )
        preview = preview_of(clients.staff_a, upload(clients.staff_a, page, x.program, "classrooms", text))
        lines = preview.context["preview"].error_lines()
        assert "Line 2, column A (name): This site already has a classroom with this name." in lines
        assert any(e.startswith("Line 3, column E (children_per_staff): 1:8 is not a plausible") for e in lines)
        assert "Line 3, column D (desired_capacity): The desired capacity cannot exceed the licensed capacity." in lines
        assert any(e.startswith("Line 4, column F (operating_days)") for e in lines)
        assert "Line 4, column H (closes_at): Closing time must be after opening time." in lines
        assert "Line 5, column A (name): Line 4 already has this classroom." in lines

    def test_the_site_must_exist_when_the_program_has_several(self, clients, x, page):
        from tests.members.factories import SiteFactory

        SiteFactory(program=x.program, name="Annex")
        text = (
            "site,name,age_group,licensed_capacity,children_per_staff,operating_days,"
            "opens_at,closes_at\n"
            ",Owls,toddler,12,6,Mon-Fri,07:00,18:00\n"
            "Attic,Bees,toddler,12,6,Mon-Fri,07:00,18:00\n"
        )
        lines = (
            preview_of(clients.staff_a, upload(clients.staff_a, page, x.program, "classrooms", text))
            .context["preview"]
            .error_lines()
        )
        assert lines[0].startswith("Line 2, column A (site): Name the site")
        assert lines[1].startswith("Line 3, column A (site): Program X has no site “Attic”")


class TestStaffAndCostImports:
    def test_staff_import_reads_money_with_symbols_and_aliases(self, clients, world, in_a, page):
        preview = preview_of(clients.provider_x, upload(clients.provider_x, page, world.x, "staff", STAFF_OK))
        assert preview.context["preview"].ok, preview.context["preview"].error_lines()
        clients.provider_x.post(preview.request["PATH_INFO"], {"action": "commit"})
        with in_a():
            maria = StaffMember.objects.get(last_name="Lopez")
            rosa = StaffMember.objects.get(last_name="Williams")
        assert (maria.hourly_wage, maria.benefits_annual) == (Decimal("18.50"), Decimal("2400.00"))
        assert (rosa.category, rosa.pay_basis, rosa.annual_salary) == ("administration", "salary", Decimal("62000.00"))

    def test_staff_already_on_the_roster_are_not_added_twice(self, clients, world, in_a, page):
        StaffMemberFactory(program=world.x, first_name="Maria", last_name="Lopez", email="maria@x.example")
        preview = preview_of(clients.provider_x, upload(clients.provider_x, page, world.x, "staff", STAFF_OK))
        assert preview.context["preview"].error_lines() == [
            "Line 2, column B (last_name): Maria Lopez is already on the roster."
        ]
        clients.provider_x.post(preview.request["PATH_INFO"], {"action": "commit"})
        with in_a():
            assert StaffMember.objects.count() == 1

    def test_costs_import_creates_and_replaces_months(self, clients, world, in_a, page):
        MonthlyCostFactory(program=world.x, month=D(2026, 1, 1), category="occupancy", amount=Decimal("1.00"))
        MonthlyCostFactory(program=world.x, month=D(2026, 1, 1), category="personnel", amount=Decimal("30000.00"))
        preview = preview_of(clients.provider_x, upload(clients.provider_x, page, world.x, "costs", COSTS_OK))
        rows = preview.context["preview"].rows
        assert rows[0].note.startswith("Replaces the figures")
        assert not rows[1].note
        clients.provider_x.post(preview.request["PATH_INFO"], {"action": "commit"})
        with in_a():
            january = dict(MonthlyCost.objects.filter(month=D(2026, 1, 1)).values_list("category", "amount"))
            assert january["occupancy"] == Decimal("4200.00")
            assert january["personnel"] == Decimal("30000.00")  # blank cell keeps it
            assert MonthlyCost.objects.filter(month=D(2026, 2, 1)).count() == 6

    @pytest.mark.parametrize(
        ("line", "error"),
        [
            ("2026-13,,1,1,1,1,1", "Line 2, column A (month): Enter a month as YYYY-MM"),
            ("2026-01,,,,,,", "Line 2, row: The row has no amounts."),
            ("2026-01,,-4,1,1,1,1", "Line 2, column C (occupancy): Ensure this value is greater than or equal to 0."),
            (
                "2026-01,,1.005,1,1,1,1",
                "Line 2, column C (occupancy): Ensure that there are no more than 2 decimal places.",
            ),
            # Next year's June: a month that has not begun; 2099 is past any plausible month.
            (
                f"{timezone.now().year + 1}-06,,1,1,1,1,1",
                "Line 2, column A (month): Costs are recorded for months that have begun.",
            ),
            ("2099-01,,1,1,1,1,1", "Line 2, column A (month): A month from 2000-01 to "),
        ],
    )
    def test_bad_cost_rows(self, clients, world, in_a, page, line, error):
        text = "month,personnel,occupancy,food,supplies,insurance,other\n" + line + "\n" + "2026-02,,1,1,1,1,1\n"
        preview = preview_of(clients.provider_x, upload(clients.provider_x, page, world.x, "costs", text))
        assert preview.context["preview"].error_lines()[0].startswith(error)
        clients.provider_x.post(preview.request["PATH_INFO"], {"action": "commit"})
        with in_a():
            assert not MonthlyCost.objects.exists()


class TestFileProblems:
    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("", "The submitted file is empty"),
            ("month,personnel\n", "no rows"),
            ("month,rent\n2026-01,5\n", "Unknown columns: rent"),
            ("personnel,food\n1,2\n", "Missing columns: month"),
            ("month,food,food\n2026-01,1,2\n", "Columns named twice: food"),
        ],
    )
    def test_file_level_problems_are_shown_on_the_upload_form(self, clients, world, in_a, page, text, message):
        response = upload(clients.provider_x, page, world.x, "costs", text)
        assert response.status_code == 200
        assert message in str(response.context["form"].errors)
        with in_a():
            assert not ImportBatch.objects.exists()

    def test_a_file_that_is_not_utf8_is_refused(self, clients, world, page):
        file = SimpleUploadedFile("costs.csv", "month,food\n2026-01,caf\xe9\n".encode("latin-1"))
        response = clients.provider_x.post(page("import_upload", world.x.pk, "costs"), {"file": file})
        assert "not UTF-8" in str(response.context["form"].errors)

    def test_line_numbers_count_blank_lines_and_a_byte_order_mark(self, clients, world, page):
        text = "\ufeffmonth,food\n2026-01,1\n\n2026-02,x\n"
        preview = preview_of(clients.provider_x, upload(clients.provider_x, page, world.x, "costs", text))
        assert preview.context["preview"].error_lines() == ["Line 4, column B (food): Enter a number."]

    def test_extra_values_beyond_the_last_column_are_reported(self, clients, world, page):
        text = "month,food\n2026-01,1,oops\n"
        preview = preview_of(clients.provider_x, upload(clients.provider_x, page, world.x, "costs", text))
        assert preview.context["preview"].error_lines() == ["Line 2, row: 1 value(s) beyond the last column."]

    def test_the_template_lists_the_columns(self, clients, world, page):
        response = clients.provider_x.get(page("import_template", world.x.pk, "staff"))
        header = csv_rows(response)[0]
        assert header[:6] == ["first_name", "last_name", "email", "position", "category", "fte"]
        assert response["Content-Type"].startswith("text/csv")


class TestBatchLifecycle:
    def test_a_committed_file_cannot_be_committed_again(self, clients, world, in_a, page):
        preview = preview_of(clients.provider_x, upload(clients.provider_x, page, world.x, "costs", COSTS_OK))
        url = preview.request["PATH_INFO"]
        clients.provider_x.post(url, {"action": "commit"})
        again = clients.provider_x.post(url, {"action": "commit"}, follow=True)
        assert b"already imported" in again.content
        with in_a():
            assert MonthlyCost.objects.filter(month=D(2026, 2, 1)).count() == 6

    def test_a_discarded_file_imports_nothing(self, clients, world, in_a, page):
        preview = preview_of(clients.provider_x, upload(clients.provider_x, page, world.x, "costs", COSTS_OK))
        clients.provider_x.post(preview.request["PATH_INFO"], {"action": "discard"})
        clients.provider_x.post(preview.request["PATH_INFO"], {"action": "commit"})
        with in_a():
            assert not MonthlyCost.objects.exists()
            assert ImportBatch.objects.get().status == "discarded"


class TestStrangers:
    def test_it_validates_ownership(self, clients, world, page):
        preview = preview_of(clients.provider_x, upload(clients.provider_x, page, world.x, "costs", COSTS_OK))
        batch_url = preview.request["PATH_INFO"]
        for url in [
            batch_url,
            page("import_upload", world.x.pk, "costs"),
            page("import_template", world.x.pk, "costs"),
        ]:
            assert clients.admin_b.get(url).status_code == 404, url
            assert clients.provider_y.get(url).status_code == 404, url
            assert clients.funder_a.get(url).status_code == 403, url

    def test_a_provider_cannot_commit_another_programs_file(self, clients, world, in_a, page):
        preview = preview_of(clients.provider_x, upload(clients.provider_x, page, world.x, "costs", COSTS_OK))
        batch = preview.context["batch"]
        assert (
            clients.provider_y.post(page("import_preview", world.y.pk, batch.pk), {"action": "commit"}).status_code
            == 404
        )
        assert clients.provider_y.post(preview.request["PATH_INFO"], {"action": "commit"}).status_code == 404
        with in_a():
            assert not MonthlyCost.objects.exists()

    def test_an_unknown_import_kind_is_404(self, clients, world, page):
        assert clients.provider_x.get(page("import_upload", world.x.pk, "nonsense")).status_code == 404
