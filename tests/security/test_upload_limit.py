"""Issue 19, finding 9: one upload limit for every upload path, pages and API.

An 11.5 MB CSV sent to the attendance upload was read in full before a row cap refused it.
Now a body over HUB_MAX_UPLOAD_BYTES is refused before it is read (413 with the limit in words),
and a multipart file without a declared length stops at the limit.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import SimpleUploadedFile

from alliance.uploads import LimitedUploadHandler

LIMIT = 64 * 1024


@pytest.fixture
def small_limit(settings):
    settings.HUB_MAX_UPLOAD_BYTES = LIMIT
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = LIMIT
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = LIMIT


def big_csv() -> SimpleUploadedFile:
    rows = "child_id,date,checked_in,checked_out\n" + "1,2026-01-05,08:00,17:00\n" * (LIMIT // 20)
    return SimpleUploadedFile("big.csv", rows.encode(), content_type="text/csv")


def upload_paths(world):  # type: ignore[no-untyped-def]
    slug, program = world.a.slug, world.x.pk
    return [
        ("page", f"/a/{slug}/attendance/upload/"),
        ("page", f"/a/{slug}/billing/ach/returns/"),
        ("page", f"/a/{slug}/programs/{program}/import/staff/"),
        ("api", f"/api/a/{slug}/attendance/upload/"),
        ("api", f"/api/a/{slug}/programs/{program}/profit-loss/"),
        ("api", f"/api/a/{slug}/ach-returns/"),
    ]


def test_every_upload_path_refuses_a_file_over_the_limit_before_reading_it(world, clients, small_limit):
    for kind, path in upload_paths(world):
        response = clients.admin_a.post(path, {"file": big_csv()})
        assert response.status_code == 413, path
        text = response.json()["detail"] if kind == "api" else response.content.decode()
        assert "larger than the 64 KB the Hub accepts" in text, path


def test_a_file_under_the_limit_still_reaches_its_page(world, clients, small_limit):
    small = SimpleUploadedFile("s.csv", b"child_id,date\n", content_type="text/csv")
    response = clients.admin_a.post(f"/a/{world.a.slug}/attendance/upload/", {"file": small})
    assert response.status_code != 413


def test_a_body_without_a_declared_length_stops_at_the_limit(small_limit):
    handler = LimitedUploadHandler()
    handler.receive_data_chunk(b"x" * LIMIT, 0)
    with pytest.raises(RequestDataTooBig, match="64 KB"):
        handler.receive_data_chunk(b"x", LIMIT)
