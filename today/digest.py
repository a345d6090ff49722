"""The Today digest: a morning email of the Today list to each person who asked for it.

Beat's hourly fan-out (`today.daily_digests`) runs `digests_queue` in every alliance's scope. Once the
alliance's own clock has reached its digest hour (Alliance.digest_hour, its time zone), every active
hub or provider membership with `today_digest` on and no digest yet for the alliance's date gets a
`DigestSent` row and its email task through the task outbox, in one transaction: a second run the
same day, or two at once, finds the row and queues nothing. The email task (`today.send_digest`,
`once`) renders the list as it stands when it runs, in the alliance's locale and time zone.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from alliance.dates import alliance_date, alliance_zone
from alliance.formatting import day
from alliance.localization import alliance_local
from alliance.models import Alliance, Membership, Role
from alliance.outbox import task_enqueue
from today.models import DigestSent
from today.selectors import TodayContext, TodayGroup, today_groups

DIGEST_ROLES = [Role.HUB_ADMIN, Role.HUB_STAFF, Role.PROVIDER]


def digest_due(alliance: Alliance, now: datetime.datetime) -> bool:
    """Has the alliance's morning come? Its wall clock at or past its digest hour."""
    return timezone.localtime(now, alliance_zone(alliance)).hour >= alliance.digest_hour


def digests_queue(*, alliance: Alliance, now: datetime.datetime | None = None) -> list[int]:
    """Queue today's digest of each opted-in member who has none yet (call inside the alliance's
    scope). Returns the memberships queued."""
    from today.tasks import send_today_digest

    now = now or timezone.now()
    if not digest_due(alliance, now):
        return []
    business_date = alliance_date(now, alliance)
    queued = []
    opted_in = Membership.objects.filter(today_digest=True, is_active=True, role__in=DIGEST_ROLES).order_by("pk")
    already = set(DigestSent.objects.filter(business_date=business_date).values_list("membership_id", flat=True))
    for membership_id in opted_in.values_list("pk", flat=True):
        if membership_id in already:
            continue
        try:
            with transaction.atomic():
                DigestSent.objects.create(membership_id=membership_id, business_date=business_date)
                task_enqueue(
                    send_today_digest.si(alliance.pk, membership_id, business_date.isoformat()),
                    ref=f"today.digest:{membership_id}:{business_date.isoformat()}",
                    email=True,
                )
        except IntegrityError:  # another run queued it a moment ago
            continue
        queued.append(membership_id)
    return queued


def digest_text(ctx: TodayContext, groups: list[TodayGroup], business_date: datetime.date) -> tuple[str, str]:
    """Subject and plain-text body: each group with its count and its items, each with its link."""
    total = sum(group.count for group in groups)
    subject = f"Today at {ctx.alliance.name}, {day(business_date)}: {total} item{'s' if total != 1 else ''}"
    site = settings.HUB_SITE_URL
    lines = [f"What needs doing at {ctx.alliance.name} on {day(business_date)}.", ""]
    for group in groups:
        lines.append(f"{group.title} ({group.count})")
        if not group.items:
            lines.append("  Nothing due")
        for item in group.items:
            where = f" · {item.program}" if item.program and ctx.membership.role != Role.PROVIDER else ""
            lines.append(f"  - {item.who}{where}: {item.what}. {item.when}.")
            lines.append(f"    {site}{item.url}")
        if group.more:
            lines.append(f"  … and {group.more} more: {site}{group.list_url}")
        lines.append("")
    lines += [
        f"The Today page: {site}{ctx.url('today:today')}",
        f"To stop these emails, untick the digest on {site}{ctx.url('today:preferences')}",
    ]
    return subject, "\n".join(lines) + "\n"


def digest_send(*, membership_id: int, business_date: datetime.date) -> dict[str, object]:
    """Email one member's digest (inside the alliance's scope). A member who left, changed role or
    turned the digest off since it was queued gets nothing."""
    membership = Membership.objects.select_related("user", "alliance").get(pk=membership_id)
    record = DigestSent.objects.get(membership_id=membership_id, business_date=business_date)
    if not (membership.is_active and membership.today_digest and membership.role in DIGEST_ROLES):
        return {"sent": False, "membership_id": membership_id}
    alliance = membership.alliance
    with alliance_local(alliance):
        ctx = TodayContext(alliance=alliance, membership=membership)
        groups = today_groups(ctx)
        subject, body = digest_text(ctx, groups, business_date)
    send_mail(subject=subject, message=body, from_email=None, recipient_list=[membership.user.email])
    record.items = sum(group.count for group in groups)
    record.save(update_fields=["items"])
    return {"sent": True, "membership_id": membership_id, "items": record.items, "subject": subject}
