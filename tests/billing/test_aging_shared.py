"""The aging the aging page, the collections worklist and the aging API read from the cache.

An alliance's aging of every account is computed once per day and ledger state and shared by its
users (issue 21: the aging page cost ~550 ms of CPU per view on the demo). It must never be stale
after a ledger change and never cross alliances or programs.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

import pytest

from alliance.tenancy import alliance_scope
from billing.aging import (
    AccountAging,
    AgingTotals,
    aging_for_accounts,
    aging_totals,
    forget_process_agings,
    shared_aging_for_accounts,
)
from billing.models import FamilyAccount
from billing.payments import payment_reverse
from tests.billing.test_payments import pay, three_months  # noqa: F401 (fixture)

AS_OF = "2026-04-15"


def balance_on_page(client, slug: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get(f"/a/{slug}/billing/aging/?as_of={AS_OF}")
    assert page.status_code == 200
    text = page.content.decode()
    start = text.index('id="aging-balance">') + len('id="aging-balance">')
    return text[start : text.index("<", start)]


@pytest.mark.usefixtures("three_months")
class TestSharedAging:
    def test_it_answers_what_the_ledger_says_on_each_read(self, world, homes):
        """Lopez owes 3 x 1,000.00; the cached aging must follow each entry posted.

        Paid 1,200.00 on April 1st: January (over 90 days on April 15th) is paid, February's
        1,000.00 keeps 800.00 open (61-90 days), March 1,000.00 (31-60): 1,800.00."""
        as_of = datetime.date(2026, 4, 15)
        with alliance_scope(world.a.pk):
            accounts = FamilyAccount.objects.filter(pk=homes.lopez_x.pk)
            (first,) = shared_aging_for_accounts(accounts, as_of=as_of)
            assert first.balance == Decimal("3000.00")
            payment = pay(homes, "1200.00", on=datetime.date(2026, 4, 1))
            (paid,) = shared_aging_for_accounts(accounts, as_of=as_of)
            assert paid.balance == Decimal("1800.00")
            assert paid.buckets["over_90"] == 0
            assert paid.buckets["61_90"] == Decimal("800.00")
            assert paid.days_past_due == 63  # February's, due on the 11th
            payment_reverse(actor=None, payment=payment, reason="Bounced")
            (bounced,) = shared_aging_for_accounts(accounts, as_of=as_of)
            assert bounced.balance == Decimal("3000.00")
            # The same figures as the full computation, for every account of the alliance.
            everyone = FamilyAccount.objects.all()
            full = {
                r.account_id: (r.buckets, r.unapplied_credit, r.days_past_due)
                for r in aging_for_accounts(everyone, as_of=as_of)
            }
            shared = {
                r.account_id: (r.buckets, r.unapplied_credit, r.days_past_due)
                for r in shared_aging_for_accounts(everyone, as_of=as_of)
            }
            assert shared == full

    def test_the_page_follows_a_payment_and_another_alliance_sees_only_its_own(self, world, clients, homes):
        assert balance_on_page(clients.staff_a, world.a.slug) == "$3,000.00"
        assert balance_on_page(clients.staff_b, world.b.slug) == "$0.00"
        with alliance_scope(world.a.pk):
            pay(homes, "1200.00", on=datetime.date(2026, 4, 1))
        assert balance_on_page(clients.staff_a, world.a.slug) == "$1,800.00"
        assert balance_on_page(clients.staff_b, world.b.slug) == "$0.00"

    def test_a_provider_gets_its_own_programs_accounts_only(self, world, clients, homes):
        clients.staff_a.get(f"/api/a/{world.a.slug}/aging/?as_of={AS_OF}")  # the alliance's aging now cached
        mine = clients.provider_x.get(f"/api/a/{world.a.slug}/aging/?as_of={AS_OF}").json()
        assert [row["account"] for row in mine["accounts"]] == [homes.lopez_x.pk]
        assert mine["alliance"]["over_90"] == "1000.00"
        theirs = clients.provider_y.get(f"/api/a/{world.a.slug}/aging/?as_of={AS_OF}").json()
        assert [row["account"] for row in theirs["accounts"]] == [homes.young_y.pk]
        assert theirs["alliance"]["over_90"] == "0.00"

    def test_a_payment_ages_only_its_account_again_and_a_late_entry_ages_everyone(self, world, homes):
        """Under a stream of payments the alliance's aging is not redone for every account: an entry
        with a higher id ages its own account again and keeps the others' rows. Shown by planting a
        wrong row for Young in the kept aging: Lopez's payment leaves it (it was not aged again); a
        kept state whose counts do not add up (an entry committed late with a lower id) ages the
        whole alliance again, and Young's row is right once more."""
        from django.core.cache import cache

        as_of = datetime.date(2026, 4, 15)
        key = f"billing:aging:v3:{world.a.pk}:{as_of.isoformat()}"
        with alliance_scope(world.a.pk):
            everyone = FamilyAccount.objects.filter(pk__in=[homes.lopez_x.pk, homes.young_y.pk])
            shared_aging_for_accounts(everyone, as_of=as_of)
            state, rows = cache.get(key)
            planted = [(*row[:4], Decimal("99.00"), *row[5:]) if row[0] == homes.young_y.pk else row for row in rows]
            cache.set(key, (state, planted))
            forget_process_agings()  # a process without its own base ages from the cache's
            pay(homes, "1200.00", on=datetime.date(2026, 4, 1))
            lopez, young = shared_aging_for_accounts(everyone.order_by("pk"), as_of=as_of)
            assert lopez.balance == Decimal("1800.00")  # aged again: its entry is new
            assert young.unapplied_credit == Decimal("99.00")  # kept: no entry of Young's moved
            state, rows = cache.get(key)
            cache.set(key, ((state[0] - 1, *state[1:]), rows))  # one entry fewer than the ledger holds
            forget_process_agings()
            pay(homes, "1.00", on=datetime.date(2026, 4, 2))
            lopez, young = shared_aging_for_accounts(everyone.order_by("pk"), as_of=as_of)
            assert lopez.balance == Decimal("1799.00")
            assert young.unapplied_credit == Decimal("0.00")  # the whole alliance aged again

    def test_a_process_ages_from_its_own_base_and_shares_it_at_most_every_few_seconds(self, world, homes):
        """The process keeps its latest aging as the base of the next: a payment ages its account
        again from it (a wrong row planted in the base stays, it was not aged again) without reading
        the cache. The cache is written when the alliance is aged whole, then at most every
        AGING_SHARE_SECONDS; another process ages from that older state to the same figures."""
        from django.core.cache import cache

        from billing import aging

        as_of = datetime.date(2026, 4, 15)
        key = f"billing:aging:v3:{world.a.pk}:{as_of.isoformat()}"
        with alliance_scope(world.a.pk):
            forget_process_agings()
            everyone = FamilyAccount.objects.filter(pk__in=[homes.lopez_x.pk, homes.young_y.pk]).order_by("pk")
            shared_aging_for_accounts(everyone, as_of=as_of)
            shared_state, _ = cache.get(key)
            base = aging._latest.get(key)
            assert base is not None
            assert tuple(base.fingerprint) == tuple(shared_state)
            young = base.everyone[homes.young_y.pk]
            base.everyone[homes.young_y.pk] = aging.AccountAging(
                young.account_id, young.program_id, young.family_id, unapplied_credit=Decimal("99.00")
            )
            pay(homes, "1200.00", on=datetime.date(2026, 4, 1))
            lopez, young = shared_aging_for_accounts(everyone, as_of=as_of)
            assert lopez.balance == Decimal("1800.00")
            assert young.unapplied_credit == Decimal("99.00")  # from the process's base
            assert cache.get(key)[0] == shared_state  # shared less than AGING_SHARE_SECONDS ago: not written
            forget_process_agings()  # another process: ages from the cache's older state
            lopez, young = shared_aging_for_accounts(everyone, as_of=as_of)
            assert (lopez.balance, young.unapplied_credit) == (Decimal("1800.00"), Decimal("0.00"))


def test_totals_are_what_adding_row_by_row_gives():
    """aging_totals sums each column at once; AgingTotals.add, row by row, is the rule it keeps."""
    chance = random.Random(21)
    rows = []
    for pk in range(1, 200):
        row = AccountAging(pk, chance.choice([1, 2, 3]), pk + 1000, unapplied_credit=Decimal(chance.randint(0, 500)))
        row.buckets = {b: Decimal(chance.randint(-9999, 999999)) / 100 for b in row.buckets}
        rows.append(row)
    for by in (None, "program_id", "family_id"):
        added: dict[object, AgingTotals] = {}
        for row in rows:
            added.setdefault(getattr(row, by) if by else "all", AgingTotals()).add(row)
        totals = aging_totals(rows, by=by)
        assert list(totals) == list(added)
        for key, expected in added.items():
            assert totals[key].buckets == expected.buckets
            assert [str(v) for v in totals[key].bucket_values] == [str(v) for v in expected.bucket_values]
            assert (totals[key].unapplied_credit, totals[key].accounts) == (
                expected.unapplied_credit,
                expected.accounts,
            )
