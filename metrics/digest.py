"""The weekly digest to Hub staff: which members cross a target, as the dashboard shows them."""

from __future__ import annotations

from django.core.mail import send_mail
from django.urls import reverse

from alliance.formatting import pct
from alliance.models import HUB_ROLES, Alliance, Membership
from metrics.selectors import AllianceFigures, alliance_figures


def digest_text(alliance: Alliance, figures: AllianceFigures) -> tuple[str, str]:
    """Subject and plain-text body. Members are named: this goes to Hub staff only."""
    month = f"{figures.latest_month:%B %Y}" if figures.latest_month else "no month yet"
    flagged = figures.flagged
    subject = f"{alliance.name}: {len(flagged)} member{'s' if len(flagged) != 1 else ''} flagged ({month})"
    lines = [f"Iron Triangle flags for {alliance.name}, {month}.", ""]
    latest = figures.latest
    if latest and latest.occupancy:
        targets = figures.targets
        lines.append(
            f"Alliance occupancy {pct(latest.figure('occupancy'))} (budget {pct(targets.budget_occupancy)}, "
            f"target {pct(targets.target_occupancy)}); collection {pct(latest.figure('collection_rate'))}; "
            f"bad debt {pct(latest.figure('bad_debt_rate'))}."
        )
        lines.append("")
    if not flagged:
        lines.append("No member crosses a target this month.")
    for program in flagged:
        lines.append(f"* {program.name}")
        lines += [f"    - {flag.message}" for flag in program.flags]
    lines += ["", f"Dashboard: {reverse('metrics:dashboard', args=[alliance.slug])}"]
    return subject, "\n".join(lines) + "\n"


def digest_send(*, alliance: Alliance) -> dict[str, object]:
    """Email the digest to the alliance's active Hub staff (call inside its scope)."""
    recipients = sorted(
        {
            m.user.email
            for m in Membership.objects.filter(role__in=HUB_ROLES, is_active=True).select_related("user")
            if m.user.email
        }
    )
    figures = alliance_figures()
    subject, body = digest_text(alliance, figures)
    if recipients:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=recipients)
    return {"recipients": recipients, "flagged": len(figures.flagged), "subject": subject}
