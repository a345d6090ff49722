"""Monthly money rollups: billing's ledger and members' costs to finance snapshots.

Same shape as the occupancy rollups (metrics/rollups.py): one set-based
upsert per table, a rerun replaces. Program months come from the ledger
(billed, collected by family and by third parties, written off, aging at
month end), and the program-month cost (members/selectors.py PROGRAM_MONTH_COST_SQL, embedded); alliance months add
the programs up and add the Hub's own money: member fees under the service
agreements, and the Hub's costs, grants and contracts (HubMoney).

Only families' accounts count: billing keeps each program's fees to the Hub
on a member-fee account (no family) of the same ledger, which is the Hub's
income, not the program's. Member fees here are what the agreements say a
month (flat, per licensed slot, or a share of tuition collected).

Third parties: a payer's share is credited on the family's invoice (category
payer_share) and claimed from the payer, so it stays in "billed"; what payers
remit (billing_remittanceline, by the remittance's day) is collected from
third parties, with any subsidy payment posted on a family's ledger. Open
claims are not in the family aging (they are not on the family's balance).

Aging "as of" is the month's last day, or the rollup's last day for the
current month, by billing's rule (billing/aging.py): a payment that names an
invoice pays that invoice, other credits pay the oldest items first, and each
open item is aged by its due date (the invoice's, else the posting day), so
the dashboard's buckets are those of billing's aging page on the same day.
"""

from __future__ import annotations

from members.selectors import PROGRAM_MONTH_COST_SQL
from metrics.rollups import Snapshot

FINANCE = [
    "billed",
    "collected_family",
    "collected_third_party",
    "written_off",
    "aging_current",
    "aging_1_30",
    "aging_31_60",
    "aging_61_90",
    "aging_over_90",
    "cost",
    "personnel_admin",
    "personnel_classroom",
    "write_offs_posted",
]
HUB = ["member_fees", "hub_cost", "grants", "contracts"]


def _dollars(cents: str) -> str:
    return f"(COALESCE({cents}, 0) / 100.0)::numeric(14, 2)"


_MONTHS = """
months AS (
    SELECT d::date AS month, LEAST((d + interval '1 month')::date - 1, %(end)s::date) AS as_of,
           (d + interval '1 month')::date - 1 AS month_end
    FROM generate_series(%(month_start)s::date, %(month_end)s::date, interval '1 month') AS d
)"""

_PROGRAM_FINANCE = f"""
WITH {_MONTHS},
grid AS (
    SELECT p.id AS program_id, m.month, m.as_of, m.month_end
    FROM members_memberprogram p CROSS JOIN months m
    WHERE p.alliance_id = %(alliance)s AND p.status <> 'applicant'
),
-- Families' accounts only: a program's own member-fee account (no family) is the Hub's money, not theirs.
family_accounts AS (
    SELECT id FROM billing_familyaccount WHERE alliance_id = %(alliance)s AND family_id IS NOT NULL
),
-- One pass over the families' ledger up to the last month's end, amounts in cents: every sum and running sum
-- below adds bigints, cheaper than numerics (back to dollars in the last SELECT). A reversal counts as the kind
-- of what it reverses (looked up by primary key, only for the few reversals, whatever the planner knows of the
-- table).
entries AS MATERIALIZED (
    -- The month by day arithmetic: date_trunc() would go through a timestamp with time zone for every entry.
    SELECT le.id, le.program_id, le.account_id, le.posted_on,
           le.posted_on - extract(day FROM le.posted_on)::int + 1 AS month,
           -- What the entry counts as, a small number for the sums below to test (cheaper than strings):
           -- 1 billed debt (charge, late fee), 2 billed credit, 3 paid by the family, 4 subsidy payment, 5 written
           -- off, 6 refunded to the family (money paid back: it counts against what was paid, not as billed, and is
           -- aged as a charge), 8 a payer's share credited (still billed: the payer is claimed), 0 none of these.
           CASE CASE WHEN le.reverses_id IS NULL THEN le.kind
                     ELSE (SELECT o.kind FROM billing_ledgerentry o WHERE o.id = le.reverses_id) END
                WHEN 'charge' THEN
                    CASE WHEN (CASE WHEN le.reverses_id IS NULL THEN le.category
                                    ELSE (SELECT o.category FROM billing_ledgerentry o WHERE o.id = le.reverses_id)
                               END) = 'refund' THEN 6 ELSE 1 END
                WHEN 'late_fee' THEN 1
                WHEN 'credit' THEN
                    CASE WHEN (CASE WHEN le.reverses_id IS NULL THEN le.category
                                    ELSE (SELECT o.category FROM billing_ledgerentry o WHERE o.id = le.reverses_id)
                               END) <> 'payer_share' THEN 2 ELSE 8 END
                WHEN 'payment' THEN 3 WHEN 'subsidy_payment' THEN 4 WHEN 'write_off' THEN 5
                -- 7 an opening balance at the Hub's cut-over (not billed here): aged like a charge of its day (a
                -- negative one, a credit the family held, is an overpaid item: it adds to the credits applied).
                WHEN 'opening_balance' THEN 7
                ELSE 0 END AS counts_as,
           (le.amount * 100)::bigint AS amount, le.invoice_id, le.reverses_id
    FROM billing_ledgerentry le
    JOIN family_accounts fa ON fa.id = le.account_id
    WHERE le.alliance_id = %(alliance)s AND le.posted_on <= %(month_end)s::date
),
money AS (
    SELECT program_id, month,
           -- A payer's share is credited on the family's invoice and claimed from the payer: still billed.
           SUM(amount) FILTER (WHERE counts_as IN (1, 2)) AS billed,
           -SUM(amount) FILTER (WHERE counts_as IN (3, 6)) AS collected_family,
           -SUM(amount) FILTER (WHERE counts_as = 4) AS subsidy_on_ledger,
           -SUM(amount) FILTER (WHERE counts_as = 5) AS write_offs_posted
    FROM entries WHERE posted_on >= %(month_start)s::date GROUP BY program_id, month
),
-- Bad debt by the month billed (DESIGN.md, "Bad debt"): every write-off (and its reversal) at any date, counted in
-- the month its invoice was issued (its charges are posted on that day); a write-off of no invoice, in the month
-- of its own effective date.
bad_debt AS (
    SELECT program_id, month, -SUM(amount) AS written_off
    FROM (
        SELECT le.program_id, (le.amount * 100)::bigint AS amount,
               date_trunc('month', COALESCE(inv.issued_on, o.posted_on, le.posted_on))::date AS month
        FROM billing_ledgerentry le
        JOIN family_accounts fa ON fa.id = le.account_id
        LEFT JOIN billing_ledgerentry o ON o.id = le.reverses_id AND o.alliance_id = le.alliance_id
        LEFT JOIN billing_invoice inv
               ON inv.id = COALESCE(le.invoice_id, o.invoice_id) AND inv.alliance_id = le.alliance_id
        WHERE le.alliance_id = %(alliance)s AND (le.kind = 'write_off' OR o.kind = 'write_off')
    ) AS w
    WHERE month BETWEEN %(month_start)s::date AND %(month_end)s::date
    GROUP BY program_id, month
),
remitted AS (
    SELECT c.program_id, date_trunc('month', r.received_on)::date AS month, SUM(rl.amount) AS amount
    FROM billing_remittanceline rl
    JOIN billing_remittance r ON r.id = rl.remittance_id AND r.alliance_id = rl.alliance_id
    JOIN billing_payerclaim c ON c.id = rl.claim_id AND c.alliance_id = rl.alliance_id
    WHERE rl.alliance_id = %(alliance)s AND r.received_on BETWEEN %(month_start)s::date AND %(month_end)s::date
    GROUP BY c.program_id, date_trunc('month', r.received_on)
),
-- Each account's balance at each month's "as of" day, and what it had been charged by then: what it owed (and
-- was charged) before the first month plus running sums of what was posted month by month (the last month's
-- as-of day is the rollup's end, so nothing after it).
posted AS (
    SELECT account_id, CASE WHEN posted_on >= %(month_start)s::date THEN month END AS month, SUM(amount) AS amount
    FROM entries
    WHERE posted_on <= %(end)s::date
    GROUP BY 1, 2
),
balances AS (
    -- Running sums over the account's months with entries (its opening, month NULL, first); each holds from
    -- its month until the next one with entries, so only positive balances are spread over their months.
    SELECT m.month, m.as_of, r.account_id, r.balance
    FROM (SELECT account_id, COALESCE(month, %(month_start)s::date) AS from_month,
                 COALESCE(LEAD(month) OVER running - 1, %(month_end)s::date) AS to_day,
                 SUM(amount) OVER running AS balance
          FROM posted
          WINDOW running AS (PARTITION BY account_id ORDER BY month NULLS FIRST ROWS UNBOUNDED PRECEDING)) AS r
    CROSS JOIN LATERAL generate_series(r.from_month, r.to_day, interval '1 month') AS held(month)
    JOIN months m ON m.month = held.month::date
    WHERE r.balance > 0
),
-- Open balances are aged as billing ages them (billing/aging.py, the one definition: `_allocate`), on each month's
-- as-of day. The account's items: each invoice, net of everything posted on it (its charges, discounts, reversals
-- and the payments and write-offs that name it), due on its due date; each entry outside an invoice that is no
-- credit (a charge, late fee, refund, opening balance) with its reversals, due on its posting day. The credits
-- that name no invoice (payments, credits, subsidy payments, write-offs) and any overpaid item form a pool
-- applied to the items oldest first (by due day, entries before invoices, then id). So an item is open by as
-- much of it as the balance exceeds the positive items after it: balance = positive items − pool.
item_posted AS (
    SELECT e.account_id, e.program_id,
           CASE WHEN e.invoice_id IS NOT NULL THEN 1 ELSE 0 END AS item_rank,
           COALESCE(e.invoice_id, e.reverses_id, e.id) AS item_id,
           CASE WHEN e.posted_on >= %(month_start)s::date THEN e.month END AS month,
           SUM(e.amount) AS amount, MIN(e.posted_on) AS first_posted
    FROM entries e
    WHERE (e.invoice_id IS NOT NULL OR e.counts_as NOT IN (2, 3, 4, 5, 8)) AND e.posted_on <= %(end)s::date
      -- Only accounts that owe something at some month's end have anything to age.
      AND e.account_id IN (SELECT account_id FROM balances)
    GROUP BY 1, 2, 3, 4, 5
),
-- Each item's net from one of its months to the next (running sums over its months), positive ones only.
item_spans AS (
    SELECT r.account_id, r.program_id, r.item_rank, r.item_id, r.net, r.from_month, r.to_day,
           CASE WHEN r.item_rank = 1 THEN inv.due_on ELSE r.first_posted END AS due_on
    FROM (SELECT account_id, program_id, item_rank, item_id, COALESCE(month, %(month_start)s::date) AS from_month,
                 COALESCE(LEAD(month) OVER running - 1, %(month_end)s::date) AS to_day,
                 SUM(amount) OVER running AS net, MIN(first_posted) OVER running AS first_posted
          FROM item_posted
          WINDOW running AS (PARTITION BY account_id, item_rank, item_id ORDER BY month NULLS FIRST
                             ROWS UNBOUNDED PRECEDING)) AS r
    LEFT JOIN billing_invoice inv ON r.item_rank = 1 AND inv.id = r.item_id AND inv.alliance_id = %(alliance)s
    WHERE r.net > 0
),
-- On each month's as-of day the account owes something on, its items as they stand then, and the positive items
-- after each one, newest first (joined from the owing months: items are never spread over months owing nothing).
debits AS (
    SELECT i.program_id, b.month, b.as_of, b.balance, i.due_on, i.net,
           COALESCE(SUM(i.net) OVER (PARTITION BY b.month, b.account_id
                                     ORDER BY i.due_on DESC, i.item_rank DESC, i.item_id DESC
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS newer
    FROM balances b
    JOIN item_spans i ON i.account_id = b.account_id AND b.month BETWEEN i.from_month AND i.to_day
),
open_debits AS (
    SELECT program_id, month, as_of - due_on AS days_past_due, LEAST(net, balance - newer) AS open
    FROM debits
    WHERE balance > newer
),
aging AS (
    SELECT program_id, month,
           SUM(open) FILTER (WHERE days_past_due <= 0) AS aging_current,
           SUM(open) FILTER (WHERE days_past_due BETWEEN 1 AND 30) AS aging_1_30,
           SUM(open) FILTER (WHERE days_past_due BETWEEN 31 AND 60) AS aging_31_60,
           SUM(open) FILTER (WHERE days_past_due BETWEEN 61 AND 90) AS aging_61_90,
           SUM(open) FILTER (WHERE days_past_due > 90) AS aging_over_90
    FROM open_debits
    GROUP BY program_id, month
),
-- The program-month cost, the one definition (members/selectors.py PROGRAM_MONTH_COST_SQL): entered rows, with
-- personnel from the roster (and a home's owner labour) where the month has no personnel row.
{PROGRAM_MONTH_COST_SQL},
costs AS (
    SELECT c.program_id, c.month, c.cost, c.roster_admin AS personnel_admin, c.roster_classroom AS personnel_classroom
    FROM program_month_cost c JOIN grid g ON g.program_id = c.program_id AND g.month = c.month
)
SELECT %(alliance)s::bigint, g.program_id, g.month,
       {_dollars("mo.billed")}, {_dollars("mo.collected_family")},
       {_dollars("mo.subsidy_on_ledger")} + COALESCE(rm.amount, 0),
       {_dollars("bd.written_off")},
       {_dollars("ag.aging_current")}, {_dollars("ag.aging_1_30")}, {_dollars("ag.aging_31_60")},
       {_dollars("ag.aging_61_90")}, {_dollars("ag.aging_over_90")},
       COALESCE(co.cost, 0), COALESCE(co.personnel_admin, 0), COALESCE(co.personnel_classroom, 0),
       {_dollars("mo.write_offs_posted")}
FROM grid g
LEFT JOIN money mo ON mo.program_id = g.program_id AND mo.month = g.month
LEFT JOIN remitted rm ON rm.program_id = g.program_id AND rm.month = g.month
LEFT JOIN aging ag ON ag.program_id = g.program_id AND ag.month = g.month
LEFT JOIN costs co ON co.program_id = g.program_id AND co.month = g.month
LEFT JOIN bad_debt bd ON bd.program_id = g.program_id AND bd.month = g.month
WHERE bd.program_id IS NOT NULL OR mo.program_id IS NOT NULL OR rm.program_id IS NOT NULL OR ag.program_id IS NOT NULL
   OR co.program_id IS NOT NULL
"""

_SUM_FINANCE = ", ".join(f"SUM({c}) AS {c}" for c in FINANCE)

_ALLIANCE_FINANCE = f"""
WITH {_MONTHS},
sums AS (
    SELECT month, {_SUM_FINANCE}
    FROM metrics_programfinancemonth
    WHERE alliance_id = %(alliance)s AND month BETWEEN %(month_start)s::date AND %(month_end)s::date
    GROUP BY month
),
fees AS (
    SELECT m.month,
           SUM(CASE sub.pricing_model
                   WHEN 'flat_monthly' THEN sub.rate
                   WHEN 'per_licensed_slot' THEN sub.rate * p.licensed_capacity
                   WHEN 'percent_of_tuition' THEN
                       sub.rate / 100 * COALESCE(pf.collected_family + pf.collected_third_party, 0)
                   -- Substitute cover at an hourly rate: the hours delivered in the month.
                   WHEN 'per_substitute_hour' THEN sub.rate * COALESCE(
                       (SELECT SUM(cr.hours_delivered) FROM sharedservices_coverrequest cr
                        WHERE cr.alliance_id = %(alliance)s AND cr.program_id = sub.program_id
                          AND cr.day BETWEEN m.month AND m.month_end), 0)
                   ELSE 0 END) AS member_fees
    FROM months m
    JOIN members_servicesubscription sub ON sub.alliance_id = %(alliance)s
     AND sub.starts_on <= m.month_end AND (sub.ends_on IS NULL OR sub.ends_on >= m.month)
    JOIN members_memberprogram p ON p.id = sub.program_id AND p.alliance_id = sub.alliance_id
    LEFT JOIN metrics_programfinancemonth pf ON pf.alliance_id = %(alliance)s AND pf.program_id = sub.program_id
     AND pf.month = m.month
    GROUP BY m.month
),
hub AS (
    SELECT month, SUM(amount) FILTER (WHERE kind = 'cost') AS hub_cost,
           SUM(amount) FILTER (WHERE kind = 'grant') AS grants,
           SUM(amount) FILTER (WHERE kind = 'contract') AS contracts
    FROM metrics_hubmoney
    WHERE alliance_id = %(alliance)s AND month BETWEEN %(month_start)s::date AND %(month_end)s::date
    GROUP BY month
)
SELECT %(alliance)s::bigint, m.month, {", ".join(f"COALESCE(s.{c}, 0)" for c in FINANCE)},
       ROUND(COALESCE(f.member_fees, 0), 2), COALESCE(h.hub_cost, 0), COALESCE(h.grants, 0),
       COALESCE(h.contracts, 0)
FROM months m
LEFT JOIN sums s ON s.month = m.month
LEFT JOIN fees f ON f.month = m.month
LEFT JOIN hub h ON h.month = m.month
WHERE s.month IS NOT NULL OR f.month IS NOT NULL OR h.month IS NOT NULL
"""

FINANCE_STEPS: list[tuple[Snapshot, str]] = [
    (
        Snapshot("metrics_programfinancemonth", ["alliance_id", "program_id", "month"], FINANCE, "month"),
        _PROGRAM_FINANCE,
    ),
    (Snapshot("metrics_alliancefinancemonth", ["alliance_id", "month"], [*FINANCE, *HUB], "month"), _ALLIANCE_FINANCE),
]
