"""Bulk actions from the collections worklist: tick rows, see on a confirm page what will happen to
how many and which rows cannot be done, confirm, and the job runs through tasks in batches.

Uses the worked example of tests/billing/test_collections.py: Adams (X) owes 400.00 and Pat has an
email; Adams (Y) owes 250.00 and Sam has no email; Baker owes 500.00 and Kim has an email; Evans
owes nothing (80.00 charged, 80.00 paid).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from alliance.models import AuditEvent
from alliance.tenancy import alliance_scope
from billing import bulk_actions
from billing.models import BulkJob
from billing.selectors import account_balance


def _bulk(world) -> str:
    return f"/a/{world.a.slug}/billing/collections/bulk/"


def _ids(*rows) -> list[int]:
    return [r.account.pk for r in rows]


@pytest.fixture
def picked(book):
    return _ids(book.adams_x, book.adams_y, book.baker, book.evans)


class TestConfirm:
    def test_the_confirm_page_says_what_happens_to_how_many_and_refuses_rows_with_reasons(
        self, world, clients, book, picked
    ):
        page = clients.staff_a.post(_bulk(world), {"accounts": picked, "action": "reminder"})
        assert page.status_code == 200
        html = page.content.decode()
        assert "Send payment reminders: 2 of 4 selected rows" in html
        assert "A payment reminder will be emailed to 2 families" in html
        assert "2 rows cannot be done" in html
        refusals = {c.account.pk: c.refusal for c in page.context["checks"]}
        assert refusals == {
            book.adams_x.account.pk: "",
            book.adams_y.account.pk: "No guardian has an email address.",
            book.baker.account.pk: "",
            book.evans.account.pk: "Owes nothing: paid or already written off.",
        }
        assert "Send payment reminders for 2 rows" in html  # the confirm button
        assert not mail.outbox  # nothing happens before the confirmation

    def test_nothing_ticked_or_no_action_or_a_short_reason_goes_back_with_the_error(self, world, clients, picked):
        with alliance_scope(world.a.pk):
            assert BulkJob.objects.count() == 0
        none = clients.staff_a.post(_bulk(world), {"action": "reminder"}, follow=True)
        assert b"Tick at least one row first." in none.content
        short = clients.staff_a.post(_bulk(world), {"accounts": picked, "action": "write_off", "reason": "gone"})
        assert short.status_code == 302
        follow = clients.staff_a.get(short["Location"])
        assert b"at least 10 characters" in follow.content
        with alliance_scope(world.a.pk):
            assert BulkJob.objects.count() == 0


class TestRun:
    def test_reminders_are_emailed_once_even_when_the_confirmation_is_sent_twice(
        self, world, clients, book, picked, django_capture_on_commit_callbacks
    ):
        data = {"accounts": picked, "action": "reminder", "confirm": "yes", "token": "t-1"}
        with django_capture_on_commit_callbacks(execute=True):
            first = clients.staff_a.post(_bulk(world), data)
        with django_capture_on_commit_callbacks(execute=True):
            again = clients.staff_a.post(_bulk(world), data)
        assert first.status_code == again.status_code == 302
        assert first["Location"] == again["Location"]
        assert sorted(m.to[0] for m in mail.outbox) == ["kim@baker.example", "pat@adams.example"]
        reminder = next(m for m in mail.outbox if m.to == ["pat@adams.example"])
        assert "balance of $400.00, of which $400.00 is past due" in reminder.body
        page = clients.staff_a.get(first["Location"])
        assert b"Done: 4 of 4 rows \xe2\x80\x94 2 done, 2 refused" in page.content
        with alliance_scope(world.a.pk):
            assert BulkJob.objects.count() == 1
            assert AuditEvent.objects.filter(action="collections.reminder_emailed").count() == 2
            assert AuditEvent.objects.filter(action="billing.bulk_started").count() == 1

    def test_a_write_off_with_one_reason_in_batches_and_a_redelivered_batch_does_nothing_twice(
        self, world, clients, book, picked, monkeypatch, django_capture_on_commit_callbacks
    ):
        """Batches of 1: four tasks. Adams (X) 400.00 + Adams (Y) 250.00 + Baker 500.00 = 1,150.00 written off;
        Evans refused (owes nothing)."""
        monkeypatch.setattr(bulk_actions, "BATCH", 1)
        reason = "Families moved away, no forwarding address"
        data = {"accounts": picked, "action": "write_off", "reason": reason, "confirm": "yes", "token": "w-1"}
        with django_capture_on_commit_callbacks(execute=True):
            response = clients.staff_a.post(_bulk(world), data)
        assert response.status_code == 302
        with alliance_scope(world.a.pk):
            job = BulkJob.objects.get()
            assert job.status == "done"
            assert [(r["family"], r["outcome"], r["detail"]) for r in job.results] == [
                ("Adams family", "done", "$400.00 written off."),
                ("Adams family", "done", "$250.00 written off."),
                ("Baker family", "done", "$500.00 written off."),
                ("Evans family", "refused", "Owes nothing: paid or already written off."),
            ]
            for row in (book.adams_x, book.adams_y, book.baker, book.evans):
                assert account_balance(row.account) == Decimal("0.00")
            # One entry per open item: Baker's two charges (over 90 and 1–30 days) are two.
            assert AuditEvent.objects.filter(action="ledger.write_off", reason=reason).count() == 4
            bulk_actions.bulk_job_batch_run(job_id=job.pk, account_ids=picked)  # redelivered
            job.refresh_from_db()
            assert len(job.results) == 4
            assert AuditEvent.objects.filter(action="ledger.write_off").count() == 4
        worklist = clients.staff_a.get(f"/a/{world.a.slug}/billing/collections/")
        assert [r.family_name for r in worklist.context["rows"]] == ["Chen family"]

    def test_statements_are_emailed_through_the_statement_task(
        self, world, clients, book, django_capture_on_commit_callbacks
    ):
        data = {"accounts": _ids(book.adams_x), "action": "statement", "confirm": "yes", "token": "s-1"}
        with django_capture_on_commit_callbacks(execute=True):
            clients.staff_a.post(_bulk(world), data)
        assert [m.to for m in mail.outbox] == [["pat@adams.example"]]
        assert mail.outbox[0].attachments[0][2] == "application/pdf"
        with alliance_scope(world.a.pk):
            assert AuditEvent.objects.filter(action="statement.emailed").count() == 1


def test_it_validates_ownership(world, clients, book, picked):
    """Alliance B's staff cannot act on A's accounts (they are not theirs to tick) nor see A's jobs."""
    response = clients.staff_b.post(
        f"/a/{world.b.slug}/billing/collections/bulk/",
        {"accounts": picked, "action": "reminder", "confirm": "yes", "token": "b-1"},
    )
    assert response.status_code == 302
    with alliance_scope(world.b.pk):
        assert BulkJob.objects.count() == 0
    assert clients.provider_x.post(_bulk(world), {"accounts": picked, "action": "reminder"}).status_code == 403
    with alliance_scope(world.a.pk):
        job = BulkJob.objects.create(action="reminder", token="a", account_ids=picked)
    assert clients.staff_b.get(f"/a/{world.a.slug}/billing/bulk-jobs/{job.pk}/").status_code == 404
    assert clients.staff_a.get(f"/a/{world.a.slug}/billing/bulk-jobs/{job.pk}/").status_code == 200
