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
current month. Open balances are aged by due date (the invoice's, else the
posting day), the oldest charges taken as paid first.
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
           -- 1 billed debt (charge, late fee), 2 billed credit (a payer's share is still billed: 0),
           -- 3 paid by the family, 4 subsidy payment, 5 written off, 6 refunded to the family (money paid back:
           -- it counts against what was paid, not as billed, and is aged as a charge), 0 none of these.
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
                               END) <> 'payer_share' THEN 2 ELSE 0 END
                WHEN 'payment' THEN 3 WHEN 'subsidy_payment' THEN 4 WHEN 'write_off' THEN 5
                -- 7 an opening balance owed at the Hub's cut-over (not billed here): aged like a charge of its day.
                WHEN 'opening_balance' THEN CASE WHEN le.amount > 0 THEN 7 ELSE 0 END
                ELSE 0 END AS counts_as,
           (le.amount * 100)::bigint AS amount, le.invoice_id, le.reverses_id
    FROM billing_ledgerentry le
    JOIN family_accounts fa ON fa.id = le.account_id
    WHERE le.alliance_id = %(alliance)s AND le.posted_on <= %(month_end)s::date
),
-- When each reversed charge was reversed (a charge reversed by a month's as-of day is no debt then).
reversed AS (
    SELECT reverses_id AS id, MIN(posted_on) AS reversed_on FROM entries WHERE reverses_id IS NOT NULL GROUP BY 1
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
    SELECT account_id, CASE WHEN posted_on >= %(month_start)s::date THEN month END AS month, SUM(amount) AS amount,
           SUM(amount) FILTER (WHERE reverses_id IS NULL AND counts_as IN (1, 6, 7)) AS charged
    FROM entries
    WHERE posted_on <= %(end)s::date
    GROUP BY 1, 2
),
balances AS (
    -- Running sums over the account's months with entries (its opening, month NULL, first); each holds from
    -- its month until the next one with entries, so only positive balances are spread over their months.
    SELECT m.month, m.as_of, r.account_id, r.balance, r.charged
    FROM (SELECT account_id, COALESCE(month, %(month_start)s::date) AS from_month,
                 COALESCE(LEAD(month) OVER running - 1, %(month_end)s::date) AS to_day,
                 SUM(amount) OVER running AS balance, SUM(charged) OVER running AS charged
          FROM posted
          WINDOW running AS (PARTITION BY account_id ORDER BY month NULLS FIRST ROWS UNBOUNDED PRECEDING)) AS r
    CROSS JOIN LATERAL generate_series(r.from_month, r.to_day, interval '1 month') AS held(month)
    JOIN months m ON m.month = held.month::date
    WHERE r.balance > 0
),
-- Open balances are aged oldest-paid-first: a charge is open by as much of it as the balance exceeds what was
-- charged after it. Each charge with the running total of the account's charges through it (one sort of the
-- charges, not one per month), and when it was reversed, if it was.
charges AS (
    SELECT e.account_id, e.program_id, e.id, e.posted_on, e.amount, e.invoice_id, r.reversed_on,
           SUM(e.amount) OVER (PARTITION BY e.account_id ORDER BY e.posted_on, e.id ROWS UNBOUNDED PRECEDING) AS through
    FROM entries e
    LEFT JOIN reversed r ON r.id = e.id
    WHERE e.reverses_id IS NULL AND e.counts_as IN (1, 6, 7) AND e.posted_on <= %(end)s::date
      -- Only accounts that owe something at some month's end have anything to age (all their charges: the
      -- running total is the account's).
      AND e.account_id IN (SELECT account_id FROM balances)
),
reversing_accounts AS (
    SELECT DISTINCT account_id FROM charges WHERE reversed_on IS NOT NULL
),
debits AS (
    -- No charge of the account reversed: what was charged after a charge by the as-of day is what the account
    -- had been charged by then less the running total through the charge.
    SELECT b.month, b.as_of, c.program_id, b.balance, c.amount, c.posted_on, c.invoice_id,
           b.charged - c.through AS newer
    FROM balances b
    JOIN charges c ON c.account_id = b.account_id AND c.posted_on <= b.as_of
    WHERE NOT EXISTS (SELECT 1 FROM reversing_accounts ra WHERE ra.account_id = b.account_id)
    UNION ALL
    -- A charge of the account reversed: one reversed by the as-of day is no debt then (it and its reversal net
    -- out of the balance), so the newer charges are added up month by month among those still standing.
    SELECT b.month, b.as_of, c.program_id, b.balance, c.amount, c.posted_on, c.invoice_id,
           COALESCE(SUM(c.amount) OVER (PARTITION BY b.month, b.account_id ORDER BY c.posted_on DESC, c.id DESC
                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
    FROM balances b
    JOIN reversing_accounts ra ON ra.account_id = b.account_id
    JOIN charges c ON c.account_id = b.account_id AND c.posted_on <= b.as_of
    WHERE c.reversed_on IS NULL OR c.reversed_on > b.as_of
),
-- Only the open parts are dated: by the invoice's due date, else the posting day.
open_debits AS (
    SELECT d.program_id, d.month, d.as_of - COALESCE(inv.due_on, d.posted_on) AS days_past_due,
           LEAST(d.amount, d.balance - d.newer) AS open
    FROM debits d
    LEFT JOIN billing_invoice inv ON inv.id = d.invoice_id AND inv.alliance_id = %(alliance)s
    WHERE d.balance > d.newer
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
