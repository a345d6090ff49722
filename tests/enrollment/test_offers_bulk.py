"""Offering places to several waiting children at once, from the waitlist page.

Worked example: program X's "Little Room" (toddlers, licensed for 2, nobody enrolled: 2 free places
from next Monday). Ana, Ben and Cy (toddlers, full time, waiting on X's list since 30, 20 and 10 days
ago) are ticked: the preview offers Ana and Ben (1.0 FTE each, 2 places) and refuses Cy, "Room full:
0 place(s) free"; confirming makes exactly 2 offers, and a second submit makes none.
"""

from __future__ import annotations

import datetime
import html
import re

import pytest

from alliance.models import AuditEvent
from alliance.tenancy import alliance_scope
from enrollment.models import Offer, OfferStatus, WaitlistStatus
from members.models import AgeGroup
from tests.enrollment.conftest import OPENED, next_monday
from tests.enrollment.factories import ChildFactory, FamilyFactory, entry, months_before
from tests.members.factories import SiteFactory, classroom


@pytest.fixture
def little_room(world):
    return classroom(
        SiteFactory(program=world.x, name="X annex"),
        name="Little Room",
        age_group=AgeGroup.TODDLER,
        licensed=2,
        opened_on=OPENED,
    )


@pytest.fixture
def waiting(world, today):
    rows = []
    for name, days in (("Ana", 30), ("Ben", 20), ("Cy", 10)):
        child = ChildFactory(
            family=FamilyFactory(alliance=world.a, name=f"{name} family"),
            first_name=name,
            last_name="Waits",
            date_of_birth=months_before(today, 24),
        )
        rows.append(
            entry(
                child,
                program=world.x,
                added_on=today - datetime.timedelta(days=days),
                desired_start=today,
            )
        )
    return rows


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def query(little_room, waiting, start, **extra):  # type: ignore[no-untyped-def]
    data = {
        "entries": [str(e.pk) for e in waiting],
        "classroom": str(little_room.pk),
        "start_date": start.isoformat(),
        "respond_days": "7",
    }
    data.update(extra)
    return data


def test_two_free_places_three_ticked_two_offers_and_one_refusal(world, clients, little_room, waiting, today):
    start = next_monday(today)
    client = clients.staff_a
    base = f"/a/{world.a.slug}/waitlist/"
    page = client.get(base)
    assert 'form="bulk-offers"' in page.content.decode()
    assert "Preview offers" in text(page)

    preview = client.get(base + "offers/", query(little_room, waiting, start))
    assert preview.status_code == 200
    shown = text(preview)
    assert "2 of 3 ticked children can be offered a place" in shown
    assert re.search(r"Ana Waits .*Will be offered", shown)
    assert re.search(r"Ben Waits .*Will be offered", shown)
    assert re.search(r"Cy Waits .*Refused Room full: 0 place\(s\) free", shown)
    assert "Make 2 offers" in shown
    with alliance_scope(world.a.pk):
        assert not Offer.objects.exists()  # the preview writes nothing

    made = client.post(base + "offers/", query(little_room, waiting, start))
    assert made.status_code == 302
    assert made["Location"] == f"/a/{world.a.slug}/offers/"
    with alliance_scope(world.a.pk):
        offers = Offer.objects.filter(status=OfferStatus.OPEN).order_by("entry__added_on")
        assert [o.entry.child.first_name for o in offers] == ["Ana", "Ben"]
        assert {o.start_date for o in offers} == {start}
        assert {o.respond_by for o in offers} == {min(today + datetime.timedelta(days=7), start)}
        waiting[2].refresh_from_db()
        assert waiting[2].status == WaitlistStatus.WAITING
        assert AuditEvent.objects.filter(action="offer.made").count() == 2
        bulk = AuditEvent.objects.get(action="offer.bulk_made")
        assert bulk.after["offered"] == [waiting[0].pk, waiting[1].pk]
        assert "Room full" in bulk.after["refused"][str(waiting[2].pk)]
    followed = text(client.get(made["Location"]))
    assert "2 offers of Little Room" in followed
    assert "Cy Waits (Room full" in followed

    # A double submit makes no second offer: the first two now hold offers, the room is full.
    again = client.post(base + "offers/", query(little_room, waiting, start))
    assert again.status_code == 302
    with alliance_scope(world.a.pk):
        assert Offer.objects.count() == 2


def test_refusals_not_waiting_for_that_program_and_an_open_offer(world, clients, little_room, waiting, today):
    start = next_monday(today)
    room_y = classroom(SiteFactory(program=world.y), name="Y Room", age_group=AgeGroup.TODDLER, licensed=5)
    preview = text(clients.staff_a.get(f"/a/{world.a.slug}/waitlist/offers/", query(room_y, waiting[:1], start)))
    assert "Not waiting for Program Y." in preview
    clients.staff_a.post(f"/a/{world.a.slug}/waitlist/offers/", query(little_room, waiting[:1], start))
    preview = text(clients.staff_a.get(f"/a/{world.a.slug}/waitlist/offers/", query(little_room, waiting[:1], start)))
    assert "Already holds an open offer." in preview


def test_a_provider_offers_only_their_own_rooms(world, clients, little_room, waiting, today):
    start = next_monday(today)
    room_y = classroom(SiteFactory(program=world.y), name="Y Room", age_group=AgeGroup.TODDLER, licensed=5)
    url = f"/a/{world.a.slug}/waitlist/offers/"
    assert clients.provider_x.get(url, query(little_room, waiting, start)).status_code == 200
    refused = clients.provider_x.post(url, query(room_y, waiting, start))
    assert refused.status_code == 400
    assert "Select a valid choice" in text(refused)
    # Program Y's provider does not see X's entries.
    assert clients.provider_y.post(url, query(room_y, waiting, start)).status_code == 400
    with alliance_scope(world.a.pk):
        assert not Offer.objects.exists()


def test_bad_input_is_a_form_error_and_the_stranger_gets_404(world, clients, little_room, waiting, today):
    url = f"/a/{world.a.slug}/waitlist/offers/"
    past = today - datetime.timedelta(days=3)
    response = clients.staff_a.post(url, query(little_room, waiting, past))
    assert response.status_code == 400
    assert "The start date has passed." in text(response)
    response = clients.staff_a.get(url, query(little_room, waiting, today, respond_days="999"))
    assert response.status_code == 400
    assert clients.admin_b.get(url).status_code == 404
    assert clients.funder_a.get(url).status_code == 403


def test_more_than_twenty_offers_run_in_the_background_once(
    world, clients, today, django_capture_on_commit_callbacks, monkeypatch
):
    """22 toddlers ticked for a room of 25: a job in batches of 10 (three tasks), 22 offers, once."""
    from enrollment.models import OfferBulkJob
    from enrollment.services import offers_bulk

    monkeypatch.setattr(offers_bulk, "BATCH", 10)
    room = classroom(SiteFactory(program=world.x), name="Big Room", age_group=AgeGroup.TODDLER, licensed=25)
    family = FamilyFactory(alliance=world.a)
    rows = [
        entry(
            ChildFactory(family=family, first_name=f"Kid{n}", date_of_birth=months_before(today, 24)),
            program=world.x,
            added_on=today - datetime.timedelta(days=40 - n),
            desired_start=today,
        )
        for n in range(22)
    ]
    start = next_monday(today)
    url = f"/a/{world.a.slug}/waitlist/offers/"
    preview = clients.staff_a.get(url, query(room, rows, start))
    token = re.search(r'name="token" value="([^"]+)"', preview.content.decode()).group(1)
    data = {**query(room, rows, start), "token": token}
    with django_capture_on_commit_callbacks(execute=True):
        first = clients.staff_a.post(url, data)
    with django_capture_on_commit_callbacks(execute=True):
        again = clients.staff_a.post(url, data)
    assert first.status_code == 302
    assert first["Location"] == again["Location"]
    page = text(clients.staff_a.get(first["Location"]))
    assert "Done: 22 of 22 children — 22 offered, 0 refused" in page
    with alliance_scope(world.a.pk):
        assert OfferBulkJob.objects.count() == 1
        assert Offer.objects.filter(status=OfferStatus.OPEN).count() == 22
        job = OfferBulkJob.objects.get()
        offers_bulk.offers_bulk_job_run(job_id=job.pk, entry_ids=job.entry_ids)  # a redelivered batch
        assert Offer.objects.count() == 22
        assert AuditEvent.objects.filter(action="offer.bulk_finished").count() == 1
    assert clients.provider_y.get(first["Location"]).status_code == 404
    assert clients.provider_x.get(first["Location"]).status_code == 200
