"""Issue 19, findings 8 (e-mail) and 12 (inquiry numbers).

- The confirmation of a public inquiry goes to an address nobody has verified: it must not carry
  text the sender typed (names, notes) from the Hub's sender to whoever that address is.
- Inquiry numbers are the alliance's own (1, 2, 3 …): the row id comes from one sequence shared
  by every alliance and told an outsider how many inquiries all alliances received.
"""

from __future__ import annotations

from django.core import mail
from django.test import Client

from alliance.tenancy import alliance_scope
from outreach.models import Inquiry
from tests.outreach.conftest import inquiry_form, submit_inquiry

LURE = "Claim your refund at http://evil.example/pay"
LURE_NAME = "Refundteam Evilexample"


def test_the_confirmation_repeats_nothing_the_sender_typed(world, today, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            f"/care/{world.a.slug}/inquire/",
            inquiry_form(
                today,
                guardian_first_name=LURE_NAME,
                guardian_last_name=LURE_NAME,
                child1_first_name=LURE_NAME,
                guardian_email="victim@example.org",
                message=LURE,
                area="",
                any_program="on",
            ),
        )
    assert response.status_code == 302, response.context and response.context["form"].errors
    (message,) = mail.outbox
    assert message.to == ["victim@example.org"]
    assert "evil.example" not in message.subject + message.body
    assert "Evilexample" not in message.subject + message.body
    assert "1 child on the alliance's shared waitlist" in message.body


def test_inquiry_numbers_count_per_alliance(world, today):
    with alliance_scope(world.b.pk):
        for _ in range(3):
            submit_inquiry(world.b, today)
    first = submit_inquiry(world.a, today)
    second = submit_inquiry(world.a, today, email="other@santos.example")
    assert (first.number, second.number) == (1, 2)
    with alliance_scope(world.b.pk):
        assert sorted(Inquiry.objects.values_list("number", flat=True)) == [1, 2, 3]
    assert second.pk > 4, "the row id would have told alliance A about B's three"


def test_the_number_is_what_families_and_staff_see(world, clients, today, django_capture_on_commit_callbacks):
    with alliance_scope(world.b.pk):
        submit_inquiry(world.b, today)
    with django_capture_on_commit_callbacks(execute=True):
        inquiry = submit_inquiry(world.a, today)
    assert inquiry.number == 1
    assert mail.outbox[-1].subject.endswith("(#1)")
    listing = clients.staff_a.get(f"/a/{world.a.slug}/inquiries/").content.decode()
    assert "#1 Maya Santos" in listing
    assert clients.staff_a.get(f"/api/a/{world.a.slug}/inquiries/{inquiry.pk}/").json()["number"] == 1
