"""The door kiosk: a program's tablet where a family checks its children in and out with a PIN.

- A staff member opens the kiosk on a browser (`kiosk_device_create`): the browser gets a signed
  cookie holding a random token (stored as its SHA-256), which authorises that browser for the
  kiosk of that one program and nothing else, until the device is revoked on the program's page.
- A family's PIN (4–6 digits) is set by staff on the family's page or by the family on the family
  page (`family_pin_set`). It is stored as a Django password hash plus a keyed HMAC of (alliance,
  PIN) to find it by index; a PIN another family of the same program already uses is refused.
- At the kiosk, a PIN (`kiosk_family_for_pin`) opens the family's children enrolled in the
  device's program today; check-in and check-out go through enrollment's attendance services (the
  same rules as the check-in page) with the source "Door kiosk", and each is audited as done at the
  kiosk by the guardian who said they were there.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from alliance.audit import Actor, audit_event_record, user_of
from alliance.dates import alliance_time, alliance_today
from alliance.tenancy import require_alliance_id
from alliance.tokens import hash_token
from enrollment.models import AttendanceRecord, AttendanceSource, Enrollment, Family, Guardian
from enrollment.services import attendance_check_in, attendance_check_out
from members.models import MemberProgram
from outreach.models import FamilyPin, KioskDevice

PIN_PATTERN = re.compile(r"^[0-9]{4,6}$")
PIN_RULE = "A PIN is 4 to 6 digits."
# Wrong PINs a device may send in a window before the kiosk pauses.
WRONG_PINS_PER_WINDOW = 5
WRONG_PIN_WINDOW_SECONDS = 60


def pin_lookup(*, alliance_id: int, pin: str) -> str:
    """The keyed HMAC a PIN is found by: without SECRET_KEY it tells nothing about the PIN."""
    key = hashlib.sha256(("hub-kiosk-pin:" + settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, f"{alliance_id}:{pin}".encode(), hashlib.sha256).hexdigest()


# --- Which families and children a program serves -------------------------------------------
def _enrolled_from(day: datetime.date) -> Q:
    """Enrollments running on `day` or starting later: the families a program serves now or soon."""
    return Q(end_date__isnull=True) | Q(end_date__gte=day)


def _programs_of(family: Family, day: datetime.date) -> set[int]:
    return set(
        Enrollment.objects.filter(_enrolled_from(day), child__family=family).values_list("program_id", flat=True)
    )


def kiosk_enrollments(*, program: MemberProgram, family: Family, day: datetime.date) -> QuerySet[Enrollment]:
    """The family's children enrolled in the program on `day`, one row per child."""
    return (
        Enrollment.objects.filter(program=program, child__family=family, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .select_related("child", "classroom")
        .order_by("child__first_name", "child_id")
    )


# --- PINs ------------------------------------------------------------------------------------
def _check_pin_text(pin: str) -> str:
    pin = (pin or "").strip()
    if not PIN_PATTERN.match(pin):
        raise ValidationError({"pin": PIN_RULE})
    return pin


def _pin_taken(*, family: Family, lookup: str, day: datetime.date) -> bool:
    """Another family with this PIN shares a program with this one (now or ahead)."""
    others = FamilyPin.objects.filter(lookup=lookup).exclude(family=family).values_list("family_id", flat=True)
    if not others:
        return False
    programs = _programs_of(family, day)
    return Enrollment.objects.filter(
        _enrolled_from(day), child__family_id__in=list(others), program_id__in=programs
    ).exists()


def _new_pin(*, family: Family, alliance_id: int, day: datetime.date) -> str:
    for digits in (4, 4, 4, 5, 5, 6, 6, 6):
        pin = "".join(secrets.choice("0123456789") for _ in range(digits))
        if not _pin_taken(family=family, lookup=pin_lookup(alliance_id=alliance_id, pin=pin), day=day):
            return pin
    raise ValidationError("No free PIN was found; try again.")  # pragma: no cover - a million to one


@transaction.atomic
def family_pin_set(
    *, actor: Actor, family: Family, pin: str | None = None, guardian: Guardian | None = None
) -> tuple[FamilyPin, str]:
    """Set (or reset) the family's kiosk PIN: the one given, or a new random one when `pin` is
    None. Returns the row and the PIN, which is shown once and never stored. `guardian` is the
    family member who set it on the family page (no Hub user then)."""
    alliance_id = require_alliance_id()
    day = alliance_today()
    if pin is None:
        pin = _new_pin(family=family, alliance_id=alliance_id, day=day)
    pin = _check_pin_text(pin)
    lookup = pin_lookup(alliance_id=alliance_id, pin=pin)
    Family.objects.select_for_update().filter(pk=family.pk).first()  # one setter at a time per family
    if _pin_taken(family=family, lookup=lookup, day=day):
        raise ValidationError({"pin": "Another family at the same program uses this PIN; choose another."})
    row = FamilyPin.objects.filter(family=family).first()
    replaced = row is not None
    if row is None:
        row = FamilyPin(alliance_id=alliance_id, family=family)
    row.pin_hash, row.lookup, row.set_at = make_password(pin), lookup, timezone.now()
    row.set_by, row.set_by_guardian = user_of(actor), guardian
    row.save()
    audit_event_record(
        actor=actor,
        action="kiosk.pin_reset" if replaced else "kiosk.pin_set",
        target=family,
        after={"by": guardian.full_name if guardian else "staff"},
        reason="set by the family on the family page" if guardian else "",
    )
    return row, pin


def kiosk_family_for_pin(*, device: KioskDevice, pin: str) -> Family | None:
    """The family whose PIN this is, among those with a child enrolled in the device's program
    today; None for a wrong PIN (or a right one of a family with nobody here today)."""
    if not PIN_PATTERN.match(pin or ""):
        return None
    day = alliance_today()
    lookup = pin_lookup(alliance_id=device.alliance_id, pin=pin)
    for row in FamilyPin.objects.filter(lookup=lookup).select_related("family"):
        if (
            check_password(pin, row.pin_hash)
            and kiosk_enrollments(program=device.program, family=row.family, day=day).exists()
        ):
            return row.family
    return None


# --- Devices ---------------------------------------------------------------------------------
@transaction.atomic
def kiosk_device_create(*, actor: Actor, program: MemberProgram, name: str) -> tuple[KioskDevice, str]:
    """A new kiosk device for the program. Returns the row and its token (for the browser's
    cookie; only its hash is stored)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Name the device, e.g. where the tablet stands."})
    token = secrets.token_urlsafe(32)
    device = KioskDevice.objects.create(
        alliance_id=require_alliance_id(),
        program=program,
        name=name[:100],
        token_hash=hash_token(token),
        created_by=user_of(actor),
    )
    audit_event_record(actor=actor, action="kiosk.device_created", target=device, after={"name": device.name})
    return device, token


@transaction.atomic
def kiosk_device_revoke(*, actor: Actor, device: KioskDevice) -> KioskDevice:
    stored = KioskDevice.objects.select_for_update().get(pk=device.pk)
    if stored.revoked_at is not None:
        raise ValidationError(f"{stored.name} was already revoked.")
    stored.revoked_at, stored.revoked_by = timezone.now(), user_of(actor)
    stored.save(update_fields=["revoked_at", "revoked_by"])
    audit_event_record(actor=actor, action="kiosk.device_revoked", target=stored, after={"name": stored.name})
    return stored


def kiosk_device_for_token(token: str) -> KioskDevice | None:
    """The active device of this token in the current alliance scope, noting its use."""
    device = (
        KioskDevice.objects.select_related("program", "alliance")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True)
        .first()
    )
    if device is not None:
        now = timezone.now()
        if device.last_used_at is None or (now - device.last_used_at).total_seconds() > 60:
            KioskDevice.objects.filter(pk=device.pk).update(last_used_at=now)
            device.last_used_at = now
    return device


# --- Check-in and check-out at the kiosk ------------------------------------------------------
@dataclass(frozen=True)
class KioskResult:
    record: AttendanceRecord
    action: str  # "check_in" or "check_out"

    @property
    def sentence(self) -> str:
        child = self.record.enrollment.child.first_name
        if self.action == "check_in":
            return f"{child} is checked in at {self.record.check_in:%H:%M}."
        return f"{child} is checked out at {self.record.check_out:%H:%M}."


@transaction.atomic
def kiosk_attendance_mark(
    *, device: KioskDevice, family: Family, guardian: Guardian, enrollment: Enrollment, action: str
) -> KioskResult:
    """Check a child in or out now, at the kiosk, by one of the family's guardians. The attendance
    services' rules hold (enrolled today, room open, no double check-in); audited."""
    if guardian.family_id != family.pk or not guardian.can_pick_up:
        raise ValidationError("Choose who you are among the family's guardians who may pick up.")
    day = alliance_today()
    if not kiosk_enrollments(program=device.program, family=family, day=day).filter(pk=enrollment.pk).exists():
        raise ValidationError("This child is not enrolled here today.")
    at = alliance_time()
    if action == "check_in":
        record = attendance_check_in(actor=None, enrollment=enrollment, day=day, at=at, source=AttendanceSource.KIOSK)
    elif action == "check_out":
        record = attendance_check_out(actor=None, enrollment=enrollment, day=day, at=at)
    else:
        raise ValidationError("Choose check in or check out.")
    audit_event_record(
        actor=None,
        action=f"attendance.kiosk_{action}",
        target=record,
        program_id=enrollment.program_id,
        after={
            "child": enrollment.child.full_name,
            "day": day,
            action: record.check_in if action == "check_in" else record.check_out,
            "device": device.name,
        },
        reason=f"at the kiosk by {guardian.full_name}",
    )
    return KioskResult(record=record, action=action)
