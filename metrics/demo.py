"""Demo data of metrics: the Hub's own money, then the rollups over the seeded history.

Called at the end of seed_demo inside each alliance's scope, so `make demo`
opens on a full dashboard. Idempotent: Hub money is added once per month
(never twice), and the rollups replace rather than double.
"""

from __future__ import annotations

import random
from decimal import Decimal

from alliance.dates import months_back
from alliance.models import Alliance
from metrics.models import HubMoney, HubMoneyKind
from metrics.rollups import history_range, rollup_alliance


def seed_metrics_demo(alliance: Alliance) -> dict[str, object]:
    start, end = history_range(alliance)
    months = [m for m in months_back(15, until=end) if m >= start]
    have = set(HubMoney.objects.values_list("month", flat=True))
    rng = random.Random(f"hub-metrics-demo:{alliance.slug}")
    new = []
    for month in months:
        if month in have:
            continue
        new.append(
            HubMoney(
                alliance=alliance,
                month=month,
                kind=HubMoneyKind.COST,
                amount=Decimal(rng.randrange(15000, 19000)),
                description="Hub staff, office, software",
            )
        )
        if month.month in (1, 4, 7, 10):
            new.append(
                HubMoney(
                    alliance=alliance,
                    month=month,
                    kind=HubMoneyKind.GRANT,
                    amount=Decimal("9000.00"),
                    description="County early learning grant (quarterly)",
                )
            )
        new.append(
            HubMoney(
                alliance=alliance,
                month=month,
                kind=HubMoneyKind.CONTRACT,
                amount=Decimal("2500.00"),
                description="State subsidy administration contract",
            )
        )
    HubMoney.objects.bulk_create(new)
    result = rollup_alliance(start=start, end=end)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "program_months": result.tables["metrics_programmonth"][0],
        "finance_months": result.tables["metrics_programfinancemonth"][0],
    }
