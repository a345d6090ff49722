"""A roster too large to import in the request (over 300 rows) runs in a real Celery worker, and its
page shows the progress, then the report.

Worked example: a Brightwheel export of 320 children (billing/bench_import.py's generator, the one
`bench import` times) for a program with 4 age groups x 5 rooms of 24 places (480 places): the
commit is queued (status running, "0 of 320 rows" on the page), the worker imports every row in one
transaction, and the page then says "320 children created." and "320 enrollments created.".
"""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from alliance.celery import app
from alliance.dates import alliance_today
from alliance.models import Role
from alliance.tenancy import alliance_scope
from billing.bench_import import _program_with_rooms, roster_export
from enrollment.models import Child, Enrollment
from members.models import ImportBatch, ImportStatus
from tests.conftest import signed_in
from tests.factories import AllianceFactory, member
from tests.worker import celery_worker

CHILDREN = 320


@pytest.fixture
def not_eager():
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True


@pytest.mark.worker
def test_a_large_roster_is_imported_by_a_real_worker_with_its_progress_on_the_page(transactional_db, not_eager):
    alliance = AllianceFactory(slug="import-worker")
    staff = member(alliance, Role.HUB_STAFF)
    with alliance_scope(alliance.pk):
        today = alliance_today()
        program, rooms = _program_with_rooms(today, CHILDREN // 4 + 1)
        raw, _ = roster_export(children=CHILDREN, today=today, rooms_by_group=rooms)
    client = signed_in(staff)

    def url(name: str, *args: object) -> str:
        return reverse(f"members:{name}", args=[alliance.slug, program.pk, *args])

    uploaded = client.post(
        url("import_upload", "families"),
        {"file": SimpleUploadedFile("roster.csv", raw), "source": "brightwheel"},
    )
    assert uploaded.status_code == 302
    with alliance_scope(alliance.pk):
        batch = ImportBatch.objects.get(program=program)
    form = client.get(uploaded["Location"]).context["form"]
    mapped = client.post(uploaded["Location"], {n: f.initial or "" for n, f in form.fields.items()})
    assert mapped["Location"] == url("import_preview", batch.pk)
    preview = client.get(mapped["Location"]).content.decode()
    assert f"Import {CHILDREN} children" in preview

    queued = client.post(url("import_preview", batch.pk), {"action": "commit"}, follow=True)
    body = queued.content.decode()
    assert f"Importing {CHILDREN} rows in the background; this page shows how far." in body
    assert '<progress max="100" value="0"' in body
    assert f"Importing roster.csv: 0 of {CHILDREN} rows." in body
    with alliance_scope(alliance.pk):
        assert Child.objects.count() == 0  # nothing yet: the worker has not run

    with celery_worker():
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            with alliance_scope(alliance.pk):
                batch.refresh_from_db()
            if batch.status != ImportStatus.RUNNING:
                break
            time.sleep(1)
    assert batch.status == ImportStatus.COMMITTED, batch.report

    done = client.get(url("import_preview", batch.pk)).content.decode()
    assert f"{CHILDREN} children created." in done
    assert f"{CHILDREN} enrollments created." in done
    assert "<progress" not in done
    with alliance_scope(alliance.pk):
        assert Child.objects.count() == CHILDREN
        assert Enrollment.objects.filter(program=program).count() == CHILDREN
