"""Staff rosters from Brightwheel's and Procare's staff exports (members/import_sources.py presets):
the preset maps the export's columns, every row is checked, then imported with wages and credentials.

Worked example (both files): Maria Lopez, hourly 18.00 at 1.00 FTE with 2,400.00 a year of benefits,
hired 2025-01-06; Sam Park, salaried 52,000.00 at 1.00 FTE, hired 2025-01-06. The costs page's
personnel from the roster for a whole month: 18.00 × 1.00 × 2,080 ÷ 12 = 3,120.00 + 2,400.00 ÷ 12 =
200.00 → 3,320.00 (classroom); 52,000.00 ÷ 12 = 4,333.33 (administration); 3,320.00 + 4,333.33 =
7,653.33.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from members.models import Credential, ImportBatch, StaffMember

# Brightwheel's staff report (guessed headers, as the preset's comment says), dates M/D/YYYY as its exports write.
BRIGHTWHEEL = (
    "Staff ID,First Name,Last Name,Email,Title,Category,FTE,Pay Type,Pay Rate,Annual Salary,Benefits Annual,"
    "Hire Date,Termination Date,Certifications\n"
    'bw-s-1,Maria,Lopez,maria@x.example,Lead teacher,classroom,1.00,hourly,$18.00,,"2,400.00",1/6/2025,,'
    "CPR:2027-03-01; CDA:2028-01-15\n"
    "bw-s-2,Sam,Park,sam@x.example,Director,administration,1.00,salary,,52000.00,,1/6/2025,,Director credential\n"
)
# Procare's Data Viewer employee view: Employee ID, First Name, Last Name, School Name as documented.
PROCARE = (
    "Employee ID,Last Name,First Name,Middle Initial,School Name,Email Address,Title,Category,FTE,Pay Type,"
    "Pay Rate,Annual Salary,Benefits Annual,Hire Date,Termination Date,Certifications\n"
    '101,Lopez,Maria,A,Main building,maria@x.example,Lead teacher,classroom,1.00,hourly,18.00,,"2,400.00",'
    "01/06/2025,,CPR:2027-03-01; CDA:2028-01-15\n"
    '102,Park,Sam,,Main building,sam@x.example,Director,admin,1.00,salaried,,"52,000.00",,01/06/2025,,'
    "Director credential\n"
)


@pytest.mark.parametrize(
    ("source", "text", "ids"),
    [("brightwheel", BRIGHTWHEEL, ("bw-s-1", "bw-s-2")), ("procare", PROCARE, ("101", "102"))],
)
def test_a_staff_export_imports_with_wages_and_credentials(clients, x, in_a, page, source, text, ids):
    client = clients.provider_x
    file = SimpleUploadedFile(f"{source}-staff.csv", text.encode(), content_type="text/csv")
    response = client.post(page("import_upload", x.program.pk, "staff"), {"file": file, "source": source})
    assert response.status_code == 302, response.context and response.context["form"].errors
    with in_a():
        batch = ImportBatch.objects.order_by("-pk").first()
    mapping_url = page("import_mapping", x.program.pk, batch.pk)
    form = client.get(mapping_url).context["form"]
    offered = {name: field.initial or "" for name, field in form.fields.items()}
    # The preset found every column of the export.
    for column in ("staff_id", "first_name", "last_name", "hourly_wage", "annual_salary", "started_on", "credentials"):
        assert offered[column], column
    mapped = client.post(mapping_url, offered)
    assert mapped.status_code == 302, mapped.context["form"].errors
    preview_url = mapped["Location"]
    assert "All 2 rows can be imported" in client.get(preview_url).content.decode()
    assert client.post(preview_url, {"action": "commit"}).status_code == 302
    assert "2 staff created." in client.get(preview_url).content.decode()

    with in_a():
        maria = StaffMember.objects.get(last_name="Lopez")
        sam = StaffMember.objects.get(last_name="Park")
        assert (maria.import_source, maria.import_id, sam.import_id) == (source, *ids)
        assert (maria.hourly_wage, maria.benefits_annual, maria.started_on) == (
            Decimal("18.00"),
            Decimal("2400.00"),
            datetime.date(2025, 1, 6),
        )
        assert (sam.pay_basis, sam.annual_salary, sam.category) == ("salary", Decimal("52000.00"), "administration")
        credentials = dict(Credential.objects.filter(staff=maria).values_list("name", "expires_on"))
        assert credentials == {"CPR": datetime.date(2027, 3, 1), "CDA": datetime.date(2028, 1, 15)}
        assert Credential.objects.get(staff=sam).expires_on is None

    costs = client.get(page("program_costs", x.program.pk))
    month = next(m for m in costs.context["months"] if m.month == datetime.date(2026, 6, 1))
    # 3,320.00 (Maria) + 4,333.33 (Sam) = 7,653.33, from the roster (no personnel row entered).
    assert month.personnel_is_derived
    assert month.amount("personnel") == Decimal("7653.33")
