"""The systems an import's file may come from, and each one's column names.

A preset maps the Hub's column (the import spec's column name) to the header
the source system writes, as a header key (lower_snake_case, see
members/import_files.header_key). A program's saved mapping (ImportMapping)
wins over the preset, and the mapping page lets a person change any of them,
so a preset is a good first guess rather than a contract: vendors rename
columns and let customers build their own reports.
"""

from __future__ import annotations

from dataclasses import dataclass

HUB = "hub"
BRIGHTWHEEL = "brightwheel"
PROCARE = "procare"
QUICKBOOKS = "quickbooks"


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    help: str


SOURCES: dict[str, Source] = {
    HUB: Source(HUB, "The Hub's template", "The columns of the template you can download on this page."),
    BRIGHTWHEEL: Source(
        BRIGHTWHEEL,
        "Brightwheel roster export",
        "In Brightwheel: Students › Export roster (CSV or Excel). One line per student, parents on the same line.",
    ),
    PROCARE: Source(
        PROCARE,
        "Procare family/child export",
        "In Procare: Data Viewer, a view of children with their account and payer columns (CSV or Excel).",
    ),
    # A profit and loss report (members/imports_profit_loss.py), not a table of columns: its accounts are
    # mapped to cost categories instead (CostAccountMapping).
    QUICKBOOKS: Source(
        QUICKBOOKS,
        "QuickBooks Online profit and loss",
        "In QuickBooks Online: Reports › Profit and Loss, Display columns by “Months”, then Export to CSV or Excel.",
    ),
}

# Brightwheel documents its roster columns in "Student Roster Fields Explained"
# (https://help.mybrightwheel.com/en/articles/11548710-student-roster-fields-explained):
# brightwheel_id (its student id, kept on export so a re-upload updates rather than
# duplicates), first_name, last_name, birthdate (M/D/YYYY), homeroom, enrollment_status.
# The parent columns (parent_1_first_name …) follow its roster template
# (https://help.mybrightwheel.com/en/articles/942359-roster-upload-tool-via-the-web names
# "at least one parent's contact information" without listing the headers), so they
# are the least certain part of the preset; the mapping page lets a person change them.
# Brightwheel has no family id: children whose first parent shares an email are one family.
BRIGHTWHEEL_FAMILIES = {
    "child_id": "brightwheel_id",
    "child_first_name": "first_name",
    "child_last_name": "last_name",
    "date_of_birth": "birthdate",
    "classroom": "homeroom",
    "start_date": "enrollment_date",
    "schedule": "schedule",
    "guardian_first_name": "parent_1_first_name",
    "guardian_last_name": "parent_1_last_name",
    "guardian_email": "parent_1_email",
    "guardian_phone": "parent_1_phone",
    "guardian2_first_name": "parent_2_first_name",
    "guardian2_last_name": "parent_2_last_name",
    "guardian2_email": "parent_2_email",
    "guardian2_phone": "parent_2_phone",
    "street": "address",
    "city": "city",
    "postal_code": "zip",
}

# Procare Desktop's Data Viewer fields
# (https://procaresupport.com/procare-desktop/docs/data-viewer-fields): Account ID (the
# family account's id), Last Name, First Name, Date of Birth, Primary Classroom; its
# ChildcareCRM sync (https://procaresupport.com/information-sent-childcarecrm-sync/) names
# each person's ID and a child's enrollment dates. The payer columns are those of a view
# that adds the primary payer (Person Sort ID 0) to each child's line.
PROCARE_FAMILIES = {
    "family_id": "account_id",
    "child_id": "person_id",
    "child_first_name": "first_name",
    "child_last_name": "last_name",
    "date_of_birth": "date_of_birth",
    "classroom": "primary_classroom",
    "start_date": "enrollment_date",
    "schedule": "schedule",
    "family_name": "account_key",
    "guardian_first_name": "payer_first_name",
    "guardian_last_name": "payer_last_name",
    "guardian_email": "payer_email",
    "guardian_phone": "payer_phone",
    "street": "address_line_1",
    "city": "city",
    "postal_code": "postal_code",
}

# Opening balances (billing/imports_balances.py). Neither vendor documents a balances export's
# headers publicly, so these are plausible guesses, to be confirmed on a real file (the mapping
# page corrects them once per program): Brightwheel's billing "Payer balances" report lists
# students by their brightwheel_id with a balance; Procare's Data Viewer "Account balances" view
# lists accounts by Account ID with a Balance. The cut-over date is a column the person adds (as_of_date).
BRIGHTWHEEL_BALANCES = {"child_id": "brightwheel_id", "balance": "balance", "as_of": "as_of_date"}
PROCARE_BALANCES = {"family_id": "account_id", "balance": "balance", "as_of": "as_of_date"}

# Staff rosters with wages and credentials (members/imports_staff.py).
#
# Brightwheel: its help centre documents a staff bulk upload (Staff & Payroll › Add Staff › Bulk upload,
# https://help.mybrightwheel.com/en/articles/942340-add-staff) and a premade "Staff details" report and a
# "Custom Staff Report" (https://help.mybrightwheel.com/en/articles/2174134-staff-management-overview), but
# we found no published list of either's column headers. Every name below is a guess in the style of its
# documented student roster (lower_snake_case: first_name, last_name, email); confirm them on a real export
# (the mapping page corrects them once per program and keeps the choice).
BRIGHTWHEEL_STAFF = {
    "staff_id": "staff_id",
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "position": "title",
    "category": "category",
    "fte": "fte",
    "pay_basis": "pay_type",
    "hourly_wage": "pay_rate",
    "annual_salary": "annual_salary",
    "benefits_annual": "benefits_annual",
    "started_on": "hire_date",
    "ended_on": "termination_date",
    "site": "site",
    "credentials": "certifications",
}

# Procare Desktop: the Data Viewer's employee fields are documented
# (https://procaresupport.com/procare-desktop/docs/data-viewer-fields): Employee ID (per location), Person
# ID, Last Name, First Name, Middle Initial, School Name, Work Area Name… Those names are used as documented
# (Employee ID as the staff id: it is the id of the person at this location). Pay, position, hire and
# termination dates, email and certifications are kept in Employee Data (hire dates, schedules, benefit
# hours: https://procaresupport.com/topics/software-topics/employee-data-topics/) but the field names of a
# view with them were not found in what we could read: those below are guesses.
PROCARE_STAFF = {
    "staff_id": "employee_id",
    "first_name": "first_name",
    "last_name": "last_name",
    "site": "school_name",
    "email": "email_address",
    "position": "title",
    "category": "category",
    "fte": "fte",
    "pay_basis": "pay_type",
    "hourly_wage": "pay_rate",
    "annual_salary": "annual_salary",
    "benefits_annual": "benefits_annual",
    "started_on": "hire_date",
    "ended_on": "termination_date",
    "credentials": "certifications",
}

PRESETS: dict[str, dict[str, dict[str, str]]] = {
    "families": {BRIGHTWHEEL: BRIGHTWHEEL_FAMILIES, PROCARE: PROCARE_FAMILIES},
    "opening_balances": {BRIGHTWHEEL: BRIGHTWHEEL_BALANCES, PROCARE: PROCARE_BALANCES},
    "staff": {BRIGHTWHEEL: BRIGHTWHEEL_STAFF, PROCARE: PROCARE_STAFF},
}

# What to export from each system for a kind, where it differs from the source's own (a roster).
KIND_SOURCES: dict[tuple[str, str], tuple[str, str]] = {
    ("opening_balances", BRIGHTWHEEL): (
        "Brightwheel payer balances",
        "In Brightwheel: Billing › Reports › payer balances (CSV), with a column as_of_date added for the "
        "cut-over date. Families must be imported from Brightwheel first.",
    ),
    ("staff", BRIGHTWHEEL): (
        "Brightwheel staff export",
        "In Brightwheel: Reports › Staff details (or a custom staff report), CSV. Add the columns it lacks: "
        "category (administration or classroom), fte, pay_type (hourly or salary); credentials as "
        "“CPR:2027-03-01; CDA:2028-01-15”.",
    ),
    ("staff", PROCARE): (
        "Procare employee export",
        "In Procare: Data Viewer, a view of employees with Employee ID, First Name, Last Name and their pay "
        "and hire date (CSV or Excel). Add the columns it lacks: category (administration or classroom), fte, "
        "pay_type (hourly or salary).",
    ),
    ("opening_balances", PROCARE): (
        "Procare account balances",
        "In Procare: Data Viewer, a view of accounts with Account ID and Balance (CSV or Excel), with a column "
        "as_of_date added. Families must be imported from Procare first.",
    ),
}


def sources_for(kind: str) -> list[Source]:
    """The Hub's template first, then every system with a preset for this kind."""
    return [
        SOURCES[HUB],
        *(
            Source(key, *KIND_SOURCES.get((kind, key), (SOURCES[key].label, SOURCES[key].help)))
            for key in PRESETS.get(kind, {})
        ),
    ]


def preset(kind: str, source: str, columns: list[str]) -> dict[str, str]:
    """The preset mapping of a source, or the identity for the Hub's own template."""
    if source == HUB:
        return {column: column for column in columns}
    return {c: h for c, h in PRESETS.get(kind, {}).get(source, {}).items() if c in columns}
