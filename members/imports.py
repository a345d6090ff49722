"""Imports of classrooms, staff, monthly costs (and, registered by later modules: staff rosters
with credentials, members/imports_staff.py; families and children, enrollment; opening balances,
billing): upload, map columns, preview, commit.

An upload (CSV or XLSX, members/import_files.py) is parsed and stored as an
ImportBatch (its rows as text). A file in the Hub's own template is checked
against the template's columns at once; a file from another system
(members/import_sources.py) is mapped first: each Hub column gets one of the
file's columns, starting from the program's saved mapping for that system or
the system's preset, and the mapping is saved for next time. The
preview validates every row with the same rules as the forms (row form, then
the model's clean()), plus checks across rows, and reports each error by line
and column. Commit validates again and writes every row through the services
in one transaction, or writes nothing.

Parsing uses the standard library's csv reader (and openpyxl for XLSX) directly
rather than tablib's loader, which drops blank lines and pads short rows: the
preview must name the line of the file a person sees in their editor. Templates
are written by the one CSV writer (alliance/csvsafe.py). An app after members
adds its own kind with `import_spec_register` (enrollment's families import).

A commit returns a report (created / updated / unchanged per kind of record, and
what changed, field by field), kept on the batch. Kinds with `background_above`
run a large file's commit as a Celery task (members/tasks.py) with progress.
"""

from __future__ import annotations

import datetime
import string
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alliance.audit import audit_event_record, user_of
from alliance.csvsafe import csv_text
from alliance.dates import (
    BUSINESS_DATE,
    BUSINESS_MONTH,
    DateOutOfRange,
    alliance_today,
    alliance_zone_pinned,
    date_validator,
)
from alliance.outbox import task_enqueue
from alliance.tenancy import require_alliance_id
from members.forms import clean_month_text
from members.import_files import read_table
from members.import_sources import HUB, preset, sources_for
from members.models import (
    AgeGroup,
    Classroom,
    ClassroomCapacity,
    CostCategory,
    ImportBatch,
    ImportKind,
    ImportMapping,
    ImportStatus,
    MemberProgram,
    MonthlyCost,
    Site,
)
from members.services import Actor, classroom_create, monthly_costs_set

MAX_ROWS = 2000
DAY_NAMES = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
TIME_FORMATS = ["%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M%p", "%I %p"]
DATE_FORMATS = ["%Y-%m-%d", "%m/%d/%Y"]


class ImportRejected(Exception):
    def __init__(self, preview: ImportPreview) -> None:
        super().__init__("The import has errors; nothing was imported.")
        self.preview = preview


# --- Lenient cell parsing ---------------------------------------------------
def _choice(value: str, choices: type[Any], aliases: dict[str, str] | None = None) -> str:
    key = value.strip().lower().replace("-", "_").replace(" ", "_")
    if aliases and key in aliases:
        return aliases[key]
    for choice_value, label in choices.choices:
        if key in (choice_value, label.lower().replace("-", "_").replace(" ", "_")):
            return choice_value
    allowed = ", ".join(v for v, _ in choices.choices if v)
    raise ValidationError(f"“{value}” is not one of: {allowed}.")


def parse_weekdays(value: str) -> list[int]:
    """Mon-Fri, Mon,Wed,Fri, or Mon Tue Wed."""
    text = value.strip().lower()
    if not text:
        raise ValidationError("Give the operating days, e.g. Mon-Fri.")
    days: set[int] = set()
    for part in text.replace(";", ",").replace(" ", ",").split(","):
        if not part:
            continue
        ends = [p.strip()[:3] for p in part.split("-")]
        if len(ends) > 2 or any(e not in DAY_NAMES for e in ends):
            raise ValidationError(f"“{value}” is not a list of days such as Mon-Fri or Mon,Wed,Fri.")
        first, last = DAY_NAMES[ends[0]], DAY_NAMES[ends[-1]]
        if last < first:
            raise ValidationError(f"“{part}” runs backwards; write days in week order.")
        days.update(range(first, last + 1))
    return sorted(days)


def _money(value: str) -> str:
    return value.strip().replace("$", "").replace(",", "").replace(" ", "")


class SharedFieldsRow(forms.Form):
    """A row form that shares its class's fields instead of deep-copying them for every row, as a
    Django form does: an import cleans thousands of rows with the same fields and never changes
    one (a 5,000-line roster spent half its preview copying fields). A subclass must not add or
    change fields per instance."""

    def __init__(self, data: dict[str, str], **kwargs: Any) -> None:
        fields = type(self).base_fields
        self.base_fields = {}  # type: ignore[misc]  # nothing to copy; the class's are used below
        super().__init__(data, **kwargs)
        self.fields = fields  # type: ignore[assignment]

    def _clean_fields(self) -> None:
        """Django's field cleaning without a bound field per cell (a row's cells are plain text
        inputs: no files, no disabled fields, no initial values)."""
        for name, form_field in self.fields.items():
            try:
                self.cleaned_data[name] = form_field.clean(self.data.get(name, ""))
                if hasattr(self, f"clean_{name}"):
                    self.cleaned_data[name] = getattr(self, f"clean_{name}")()
            except ValidationError as exc:
                self.add_error(name, exc)


class ClassroomRow(forms.Form):
    site = forms.CharField(required=False)
    name = forms.CharField(max_length=100)
    age_group = forms.CharField()
    licensed_capacity = forms.IntegerField(min_value=0, max_value=500)
    desired_capacity = forms.IntegerField(min_value=0, max_value=500, required=False)
    children_per_staff = forms.IntegerField(min_value=1)
    operating_days = forms.CharField()
    opens_at = forms.TimeField(input_formats=TIME_FORMATS)
    closes_at = forms.TimeField(input_formats=TIME_FORMATS)
    effective_from = forms.DateField(
        input_formats=DATE_FORMATS, required=False, validators=[date_validator(BUSINESS_DATE)]
    )

    def clean_age_group(self) -> str:
        return _choice(
            self.cleaned_data["age_group"],
            AgeGroup,
            {"schoolage": AgeGroup.SCHOOL_AGE, "infants": AgeGroup.INFANT, "toddlers": AgeGroup.TODDLER},
        )

    def clean_operating_days(self) -> list[int]:
        return parse_weekdays(self.cleaned_data["operating_days"])


class CostRow(forms.Form):
    month = forms.CharField()

    def __init__(self, data: dict[str, str], **kwargs: Any) -> None:
        data = {k: (_money(v) if k in CostCategory.values else v) for k, v in data.items()}
        super().__init__(data, **kwargs)
        for category in CostCategory.values:
            self.fields[category] = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)

    def clean_month(self) -> datetime.date:
        month = clean_month_text(self.cleaned_data["month"])
        try:
            BUSINESS_MONTH.check(month)
        except DateOutOfRange as exc:
            raise ValidationError(str(exc)) from exc
        if month > alliance_today().replace(day=1):
            raise ValidationError("Costs are recorded for months that have begun.")
        return month

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if not self.errors and all(cleaned.get(c) is None for c in CostCategory.values):
            raise ValidationError("The row has no amounts.")
        return cleaned


# --- Import kinds -----------------------------------------------------------
@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    example: str
    help: str = ""


@dataclass
class Row:
    line: int
    values: dict[str, str]
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, message)
    cleaned: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    def cells(self) -> list[str]:
        return list(self.values.values())


@dataclass
class ImportPreview:
    spec: ImportSpec
    headers: list[str]
    rows: list[Row]
    mapping: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and all(row.ok for row in self.rows)

    @property
    def error_rows(self) -> list[Row]:
        return [row for row in self.rows if not row.ok]

    def column_letter(self, column: str) -> str:
        column = self.mapping.get(column, column)
        if column in self.headers:
            index = self.headers.index(column)
            letters = ""
            index += 1
            while index:
                index, rest = divmod(index - 1, 26)
                letters = string.ascii_uppercase[rest] + letters
            return letters
        return ""

    def error_lines(self) -> list[str]:
        """Every error as one sentence: Line 4, column D (licensed_capacity): …"""
        lines = []
        for row in self.rows:
            for column, message in row.errors:
                letter = self.column_letter(column)
                where = f"column {letter} ({column})" if letter else (column or "row")
                lines.append(f"Line {row.line}, {where}: {message}")
        return lines


@dataclass(frozen=True)
class ImportSpec:
    kind: str
    noun: str
    columns: list[Column]
    validate: Callable[[MemberProgram, list[Row]], None]
    commit: Callable[[Actor, MemberProgram, list[Row]], dict[str, Any] | None]
    max_rows: int = MAX_ROWS
    # Above this many rows the commit runs as a background task with a progress bar.
    background_above: int | None = None
    plural: str = ""  # when not the noun and an s ("children")

    def nouns(self, count: int) -> str:
        """“1 child”, “4 children”, “2 classrooms”: the noun for a count, without the count."""
        if count == 1:
            return self.noun
        return self.plural or f"{self.noun}s"

    @property
    def plural_noun(self) -> str:
        return self.nouns(2)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def template_csv(self) -> str:
        return csv_text([self.column_names, [c.example for c in self.columns]])


def _parse_row(row: Row, form: forms.Form) -> dict[str, Any]:
    """The row's cells that parse, with the errors of those that do not."""
    if not form.is_valid():
        for name, messages in form.errors.items():
            column = "" if name == "__all__" else name
            row.errors.extend((column, str(m)) for m in messages)
    row.cleaned = dict(getattr(form, "cleaned_data", {}))
    return row.cleaned


def _check_model(row: Row, instance: Any, *, exclude: set[str]) -> None:
    """The model's rules on the cells that parsed; fields already in error are
    left out, so a cell is reported once."""
    exclude = exclude | {column for column, _ in row.errors}
    try:
        instance.full_clean(exclude=sorted(exclude))
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            if name in exclude:
                continue
            column = "" if name == "__all__" else name
            row.errors.extend((column, m) for m in messages)


def _site_lookup(program: MemberProgram) -> tuple[dict[str, Site], Site | None]:
    sites = list(Site.objects.filter(program=program))
    by_name = {s.name.lower(): s for s in sites}
    only = sites[0] if len(sites) == 1 else None
    return by_name, only


def _resolve_site(
    row: Row, program: MemberProgram, value: str, by_name: dict[str, Site], only: Site | None, *, required: bool
) -> Site | None:
    if value:
        site = by_name.get(value.strip().lower())
        if site is None:
            known = ", ".join(s.name for s in by_name.values()) or "none yet"
            row.errors.append(("site", f"{program} has no site “{value}” (sites: {known})."))
        return site
    if required and only is None:
        row.errors.append(("site", "Name the site: this program has several, or none yet."))
    return only if required else None


def _validate_classrooms(program: MemberProgram, rows: list[Row]) -> None:
    by_name, only = _site_lookup(program)
    seen: dict[tuple[int, str], int] = {}
    alliance_id = require_alliance_id()
    for row in rows:
        data = _parse_row(row, ClassroomRow(row.values))
        site = _resolve_site(row, program, row.values.get("site", ""), by_name, only, required=True)
        data["site"] = site
        # Cells that did not parse stay None; _check_model leaves their fields out.
        classroom = Classroom(
            alliance_id=alliance_id,
            site=site,
            name=data.get("name", ""),
            age_group=data.get("age_group", ""),
            operating_days=data.get("operating_days") or [],
            **{f: data.get(f) for f in ("children_per_staff", "opens_at", "closes_at")},
        )
        capacity = ClassroomCapacity(
            alliance_id=alliance_id,
            effective_from=data.get("effective_from") or alliance_today(),
            **{f: data.get(f) for f in ("licensed_capacity", "desired_capacity")},
        )
        _check_model(row, classroom, exclude=set() if site else {"site"})
        _check_model(row, capacity, exclude={"classroom"})
        if site is not None and classroom.name:
            key = (site.pk, classroom.name.lower())
            if key in seen:
                row.errors.append(("name", f"Line {seen[key]} already has this classroom."))
            seen.setdefault(key, row.line)


def _commit_classrooms(actor: Actor, program: MemberProgram, rows: list[Row]) -> None:
    for row in rows:
        data = row.cleaned
        classroom_create(
            actor=actor,
            program=program,
            site=data["site"],
            name=data["name"],
            age_group=data["age_group"],
            children_per_staff=data["children_per_staff"],
            operating_days=data["operating_days"],
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            licensed_capacity=data["licensed_capacity"],
            desired_capacity=data["desired_capacity"],
            effective_from=data["effective_from"],
        )


def _validate_costs(program: MemberProgram, rows: list[Row]) -> None:
    existing = set(MonthlyCost.objects.filter(program=program).values_list("month", flat=True))
    seen: dict[datetime.date, int] = {}
    for row in rows:
        _parse_row(row, CostRow(row.values))
        if not row.ok:
            continue
        month = row.cleaned["month"]
        if month in seen:
            row.errors.append(("month", f"Line {seen[month]} already gives {month:%Y-%m}."))
        seen.setdefault(month, row.line)
        if month in existing:
            row.note = "Replaces the figures given for this month; blank cells keep theirs."


def _commit_costs(actor: Actor, program: MemberProgram, rows: list[Row]) -> None:
    for row in rows:
        amounts = {c: row.cleaned[c] for c in CostCategory.values if row.cleaned[c] is not None}
        monthly_costs_set(actor=actor, program=program, month=row.cleaned["month"], amounts=amounts)


SPECS: dict[str, ImportSpec] = {
    ImportKind.CLASSROOMS: ImportSpec(
        kind=ImportKind.CLASSROOMS,
        noun="classroom",
        columns=[
            Column("site", False, "Main building", "Site name; may be blank if there is one site."),
            Column("name", True, "Butterflies"),
            Column("age_group", True, "preschool", "infant, toddler, preschool, school_age or mixed."),
            Column("licensed_capacity", True, "18"),
            Column("desired_capacity", False, "16", "Blank = the licensed capacity."),
            Column("children_per_staff", True, "9", "9 means one adult for 9 children."),
            Column("operating_days", True, "Mon-Fri", "E.g. Mon-Fri or Mon,Wed,Fri."),
            Column("opens_at", True, "07:00"),
            Column("closes_at", True, "18:00"),
            Column("effective_from", False, "2026-01-05", "Date the capacity applies from; blank = today."),
        ],
        validate=_validate_classrooms,
        commit=_commit_classrooms,
    ),
    ImportKind.COSTS: ImportSpec(
        kind=ImportKind.COSTS,
        noun="month of costs",
        plural="months of costs",
        columns=[
            Column("month", True, "2026-01", "YYYY-MM."),
            *[
                Column(
                    c,
                    False,
                    ex,
                    "Blank = not given." if c != CostCategory.PERSONNEL else "Blank = computed from the roster.",
                )
                for c, ex in zip(
                    CostCategory.values, ["", "4200.00", "1850.25", "640.00", "410.00", "275.00"], strict=True
                )
            ],
        ],
        validate=_validate_costs,
        commit=_commit_costs,
    ),
}


def import_spec_register(spec: ImportSpec) -> None:
    """Add an import kind of a later app (called from its AppConfig.ready)."""
    SPECS[spec.kind] = spec


# --- Parsing ----------------------------------------------------------------
def parse_csv(raw: bytes, spec: ImportSpec, filename: str = "file.csv") -> tuple[list[str], list[dict[str, Any]]]:
    """Headers and data rows of a file in the Hub's own template (CSV or XLSX): its columns
    must be the template's. File-level problems raise ValidationError; row problems wait
    for the preview."""
    headers, rows = read_table(raw, filename, max_rows=spec.max_rows)
    problems = []
    unknown = [h for h in headers if h and h not in spec.column_names]
    if unknown:
        problems.append(f"Unknown columns: {', '.join(unknown)}. Expected: {', '.join(spec.column_names)}.")
    missing = [c for c in spec.required_columns if c not in headers]
    if missing:
        problems.append(f"Missing columns: {', '.join(missing)}.")
    if problems:
        raise ValidationError(problems)
    return headers, rows


def mapping_for(*, program: MemberProgram, kind: str, source: str, headers: list[str]) -> dict[str, str]:
    """The mapping offered for a file: the program's saved one for this source, else the source's
    preset, keeping only headers the file has."""
    spec = SPECS[kind]
    saved = ImportMapping.objects.filter(program=program, kind=kind, source=source).first()
    mapping = {**preset(kind, source, spec.column_names), **(saved.mapping if saved else {})}
    return {column: header for column, header in mapping.items() if header in headers and column in spec.column_names}


def mapping_problems(spec: ImportSpec, headers: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """Per Hub column, what is wrong with a mapping: a required column left out, a header the
    file does not have, or one header given to two columns."""
    problems: dict[str, str] = {}
    used: dict[str, str] = {}
    for column in spec.column_names:
        header = mapping.get(column, "")
        if not header:
            if column in spec.required_columns:
                problems[column] = "Choose the file's column that holds this; it is required."
            continue
        if header not in headers:
            problems[column] = f"The file has no column “{header}”."
        elif header in used:
            problems[column] = f"“{header}” is already used for {used[header]}."
        used.setdefault(header, column)
    return problems


def import_preview(batch: ImportBatch) -> ImportPreview:
    spec = SPECS[batch.kind]
    mapping = batch.mapping or {c: c for c in spec.column_names}
    rows = []
    for stored in batch.rows:
        values = stored["values"]
        row = Row(line=stored["line"], values={c: values.get(mapping.get(c, ""), "") for c in spec.column_names})
        if stored.get("extra_cells"):
            row.errors.append(("", f"{stored['extra_cells']} value(s) beyond the last column."))
        rows.append(row)
    with _working_on(batch):
        spec.validate(batch.program, rows)
    order = {name: i for i, name in enumerate(spec.column_names)}
    for row in rows:  # row-level errors first, then left to right as in the file
        row.errors.sort(key=lambda error: order.get(error[0], -1))
    return ImportPreview(spec=spec, headers=batch.headers, rows=rows, mapping=batch.mapping)


# --- Writes -----------------------------------------------------------------
@transaction.atomic
def import_batch_create(
    *, actor: Actor, program: MemberProgram, kind: str, filename: str, raw: bytes, source: str = HUB
) -> ImportBatch:
    """Hold an uploaded file for its preview. A file in the Hub's template is checked against the
    template's columns at once; a file from another system waits for its column mapping."""
    spec = SPECS[ImportKind(kind)]
    if source not in {s.key for s in sources_for(spec.kind)}:
        raise ValidationError(
            f"Choose where the file comes from: {', '.join(s.label for s in sources_for(spec.kind))}."
        )
    if source == HUB:
        headers, rows = parse_csv(raw, spec, filename)
        mapping: dict[str, str] = {}
    else:
        headers, rows = read_table(raw, filename, max_rows=spec.max_rows)
        mapping = mapping_for(program=program, kind=spec.kind, source=source, headers=headers)
    batch = ImportBatch(
        program=program,
        kind=spec.kind,
        filename=filename[:255],
        headers=headers,
        rows=rows,
        source=source,
        mapping=mapping,
        mapped=source == HUB,
        created_by_id=actor.pk if actor and actor.is_authenticated else None,
    )
    batch.save()
    audit_event_record(
        actor=actor,
        action="import.uploaded",
        target=batch,
        program_id=program.pk,
        after={"kind": batch.kind, "source": source, "filename": batch.filename, "rows": len(rows)},
    )
    return batch


@transaction.atomic
def import_batch_map(*, actor: Actor, batch: ImportBatch, mapping: dict[str, str]) -> ImportBatch:
    """Map the file's columns to the Hub's, and keep the mapping for this program's next file
    from the same system."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportStatus.PENDING:
        raise ValidationError(f"This file was already {batch.get_status_display().lower()}.")
    spec = SPECS[batch.kind]
    mapping = {c: h for c, h in mapping.items() if h and c in spec.column_names}
    problems = mapping_problems(spec, batch.headers, mapping)
    if problems:
        raise ValidationError(problems)
    before = batch.mapping
    batch.mapping, batch.mapped = mapping, True
    batch.save(update_fields=["mapping", "mapped"])
    # Kept for next time: each choice made, and "" where a person left out a column the preset
    # would have taken from this file (a column the file lacked keeps the preset's guess).
    offered = preset(batch.kind, batch.source, spec.column_names)
    kept = {**mapping, **{c: "" for c, h in offered.items() if c not in mapping and h in batch.headers}}
    saved, _ = ImportMapping.objects.update_or_create(
        program=batch.program, kind=batch.kind, source=batch.source, defaults={"mapping": kept}
    )
    audit_event_record(
        actor=actor,
        action="import.mapped",
        target=saved,
        program_id=batch.program_id,
        before={"mapping": before},
        after={"mapping": mapping, "source": batch.source, "batch": batch.pk},
    )
    return batch


@transaction.atomic
def import_batch_commit(*, actor: Actor, batch: ImportBatch) -> int:
    """Import every row or none. Raises ImportRejected with the preview if any row fails."""
    batch = ImportBatch.objects.select_for_update().select_related("program").get(pk=batch.pk)
    if batch.status not in (ImportStatus.PENDING, ImportStatus.RUNNING):
        raise ValidationError(f"This file was already {batch.get_status_display().lower()}.")
    if not batch.mapped:
        raise ValidationError("Map the file's columns to the Hub's fields first.")
    preview = import_preview(batch)
    if not preview.ok:
        raise ImportRejected(preview)
    with _working_on(batch):
        report = preview.spec.commit(actor, batch.program, preview.rows)
    if report is None:
        report = {
            "created": {preview.spec.nouns(len(preview.rows)): len(preview.rows)},
            "updated": {},
            "unchanged": {},
            "changes": {},
        }
    batch.status = ImportStatus.COMMITTED
    batch.committed_at = timezone.now()
    batch.progress = len(preview.rows)
    batch.report = report
    batch.save(update_fields=["status", "committed_at", "progress", "report"])
    audit_event_record(
        actor=actor,
        action="import.committed",
        target=batch,
        program_id=batch.program_id,
        after={"kind": batch.kind, "filename": batch.filename, "rows": len(preview.rows), "report": report},
    )
    return len(preview.rows)


@transaction.atomic
def import_batch_enqueue(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Hand a large import to a background task; its page shows the progress. The task imports
    every row or none, as a commit in the request would."""
    from members.tasks import import_batch_run

    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportStatus.PENDING:
        raise ValidationError(f"This file was already {batch.get_status_display().lower()}.")
    if not batch.mapped:
        raise ValidationError("Map the file's columns to the Hub's fields first.")
    batch.status, batch.progress, batch.report = ImportStatus.RUNNING, 0, {}
    batch.save(update_fields=["status", "progress", "report"])
    audit_event_record(
        actor=actor,
        action="import.queued",
        target=batch,
        program_id=batch.program_id,
        after={"kind": batch.kind, "rows": len(batch.rows)},
    )
    task_enqueue(
        import_batch_run.si(batch.alliance_id, batch.pk, user_of(actor).pk if user_of(actor) else None),
        ref=f"import:{batch.pk}",
    )
    return batch


@transaction.atomic
def import_batch_fail(*, actor: Actor, batch: ImportBatch, errors: list[str]) -> ImportBatch:
    """A background import that found errors (the data changed after its preview): nothing was
    imported; the file goes back to its preview with the errors kept in its report."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportStatus.RUNNING:
        return batch
    batch.status, batch.progress, batch.report = ImportStatus.PENDING, 0, {"errors": errors[:200]}
    batch.save(update_fields=["status", "progress", "report"])
    audit_event_record(
        actor=actor, action="import.failed", target=batch, program_id=batch.program_id, after={"errors": len(errors)}
    )
    return batch


_CURRENT_BATCH: ContextVar[ImportBatch | None] = ContextVar("import_batch", default=None)


def current_import_batch() -> ImportBatch | None:
    """The batch being previewed or committed, for a kind whose rules depend on its source (a
    re-import updates by the source system's ids) or that reports progress."""
    return _CURRENT_BATCH.get()


@contextmanager
def _working_on(batch: ImportBatch) -> Iterator[None]:
    token = _CURRENT_BATCH.set(batch)
    try:
        with alliance_zone_pinned():
            yield
    finally:
        _CURRENT_BATCH.reset(token)


def import_progress_note(batch: ImportBatch, done: int) -> None:
    """Rows written so far by a background import: the commit is one transaction, so its progress
    travels through the cache, where the page reads it."""
    cache.set(f"import-progress:{batch.pk}", done, 3600)


def import_progress(batch: ImportBatch) -> int:
    if batch.status != ImportStatus.RUNNING:
        return batch.progress
    return int(cache.get(f"import-progress:{batch.pk}") or 0)


@transaction.atomic
def import_batch_discard(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status == ImportStatus.PENDING:
        batch.status = ImportStatus.DISCARDED
        batch.save(update_fields=["status"])
    return batch
