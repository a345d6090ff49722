"""The issue's "done when", through the real pages: a family finds a place for
a 2-year-old on the public page, sends one inquiry; the Hub sees it in the
inbox and on the shared waitlist and offers a place; the family accepts it
from the family page."""

from __future__ import annotations

import datetime
import re

from django.core import mail
from django.test import Client, TestCase

from alliance.tenancy import alliance_scope
from enrollment.models import Enrollment, WaitlistEntry
from outreach.models import Inquiry
from tests.outreach.conftest import inquiry_form, two_year_old


def test_a_family_finds_a_place_asks_once_and_accepts_the_offer(care, clients, today):
    slug = care.world.a.slug
    family = Client()
    start = today + datetime.timedelta(days=14)
    dob = two_year_old(today)

    # 1. The public page: a toddler place at Program X.
    found = family.get(f"/care/{slug}/", {"dob": dob.isoformat(), "start": start.isoformat()}).content.decode()
    assert "Program X" in found
    assert f"11 places open on {start:%B %-d}" in found

    # 2. One inquiry for the whole alliance.
    sent = family.post(
        f"/care/{slug}/inquire/",
        inquiry_form(
            today,
            child1_date_of_birth=dob.isoformat(),
            desired_start=start.isoformat(),
            programs=[str(care.world.x.pk)],
            area="",
        ),
    )
    assert sent.status_code == 302
    with alliance_scope(care.world.a.pk):
        inquiry = Inquiry.objects.get()
        entry = WaitlistEntry.objects.get(child__family=inquiry.family)

    # 3. The Hub: the inbox, the shared waitlist, a match and an offer.
    staff = clients.staff_a
    assert f"#{inquiry.number} Maya Santos" in staff.get(f"/a/{slug}/inquiries/").content.decode()
    assert "Leo Santos" in staff.get(f"/a/{slug}/waitlist/", {"shared": "on"}).content.decode()
    match_url = f"/a/{slug}/vacancies/classrooms/{care.rooms.toddlers.pk}/match/"
    assert "Leo Santos" in staff.get(match_url, {"start": start.isoformat()}).content.decode()
    offered = staff.post(
        match_url,
        {
            "entry": entry.pk,
            "start_date": start.isoformat(),
            "respond_by": (today + datetime.timedelta(days=5)).isoformat(),
        },
    )
    assert offered.status_code == 302

    # 4. The family signs in with the emailed link and accepts.
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        family.post(f"/family/{slug}/sign-in/", {"email": "maya@santos.example"})
    link = re.search(r"http://testserver(/family/\S+/)", mail.outbox[0].body).group(1)
    family.post(link)
    home = family.get(f"/family/{slug}/").content.decode()
    offer_url = re.search(rf'href="(/family/{slug}/offers/\d+/)"', home).group(1)
    accepted = family.post(offer_url + "accept/")
    assert accepted.status_code == 302

    with alliance_scope(care.world.a.pk):
        enrollment = Enrollment.objects.get(child__family=inquiry.family)
        entry.refresh_from_db()
    assert (enrollment.classroom_id, enrollment.start_date, entry.status) == (care.rooms.toddlers.pk, start, "placed")
    enrolled = staff.get(f"/a/{slug}/inquiries/", {"status": "enrolled"}).content.decode()
    assert f"#{inquiry.number} Maya Santos" in enrolled
    assert "badge-enrolled" in enrolled
    assert (
        f"10 places open on {start:%B %-d}"
        in family.get(f"/care/{slug}/", {"dob": dob.isoformat(), "start": start.isoformat()}).content.decode()
    )
