"""The door kiosk's pages (outreach/kiosk.py holds the rules).

- /kiosk/<alliance_slug>/: the PIN pad and, after a right PIN, the family's children of the device's
  program today. No Hub sign-in: the browser's signed kiosk cookie is the only key. Without one (or
  with a revoked device) the page answers 403 and says how staff set the kiosk up; a cookie of
  another alliance's device answers 404, like every other alliance's page.
- /a/<alliance_slug>/programs/<pk>/kiosk/: the program's kiosk devices (open the kiosk on this
  browser, last use, revoke), for hub users and the program's provider.
- /a/<alliance_slug>/families/<pk>/kiosk-pin/ (staff) and /family/<alliance_slug>/kiosk-pin/ (the
  family page): set or reset the family's PIN.

Between the PIN and the tap on "Check in", the family is carried by a signed ticket in the form
(the device and the family, valid `TICKET_SECONDS`), not by a session: staff sign out of the
tablet, and nothing about the family stays on it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.generic import TemplateView, View
from django.views.generic.base import ContextMixin

from alliance.dates import alliance_today
from alliance.views_base import HUB_AND_PROVIDER, add_errors
from enrollment.models import AttendanceRecord, Enrollment, Family, Guardian
from enrollment.views_families import FamilyFromURL
from members.pages import ProgramPage
from outreach.forms import FamilyPinForm, KioskDeviceForm, KioskPinForm, StaffPinForm
from outreach.kiosk import (
    WRONG_PIN_WINDOW_SECONDS,
    WRONG_PINS_PER_WINDOW,
    family_pin_set,
    kiosk_attendance_mark,
    kiosk_device_create,
    kiosk_device_for_token,
    kiosk_device_revoke,
    kiosk_enrollments,
    kiosk_family_for_pin,
)
from outreach.models import FamilyPin, KioskDevice
from outreach.public import FamilyPageMixin, PublicAllianceMixin
from outreach.spam import rate_limit_hit, rate_limit_reached

KIOSK_COOKIE = "hub_kiosk"
KIOSK_COOKIE_SALT = "hub.kiosk.device"
KIOSK_COOKIE_SECONDS = 400 * 24 * 3600
TICKET_SALT = "hub.kiosk.family"
TICKET_SECONDS = 120
# After a check-in the screen goes back to the PIN pad by itself (static/js/kiosk.js).
RETURN_SECONDS = 8
# The family's list goes back to the PIN pad when nobody taps (a family that walked away).
IDLE_SECONDS = 60
PAUSED = (
    "Too many wrong PINs on this tablet. Wait a minute, then try again; staff at the door can help or reset your PIN."
)


# --- The kiosk itself (no Hub sign-in) ----------------------------------------------------------
class KioskMixin(PublicAllianceMixin):
    device: KioskDevice

    def enter(self, request: HttpRequest) -> HttpResponseBase | None:
        value = request.get_signed_cookie(
            KIOSK_COOKIE, default=None, salt=KIOSK_COOKIE_SALT, max_age=KIOSK_COOKIE_SECONDS
        )
        alliance_id, _, token = (value or "").partition(":")
        if value and alliance_id != str(self.alliance.pk):
            raise Http404("No kiosk here.")
        device = kiosk_device_for_token(token) if token else None
        if device is None:
            return TemplateResponse(
                request,
                "outreach/kiosk_off.html",
                {"alliance": self.alliance, "page_title": "Door kiosk", "revoked": bool(value)},
                status=403,
            )
        self.device = device
        return None

    def kiosk_url(self) -> str:
        return self.public_url("public:kiosk")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(device=self.device, program=self.device.program, kiosk_url=self.kiosk_url())
        return context

    def family_page(self, family: Family, *, done: str = "", refusal: str = "", status: int = 200) -> HttpResponse:
        day = alliance_today(self.alliance)
        enrollments = list(kiosk_enrollments(program=self.device.program, family=family, day=day))
        records = {r.enrollment_id: r for r in AttendanceRecord.objects.filter(enrollment__in=enrollments, day=day)}
        rows = [(e, records.get(e.pk)) for e in enrollments]
        guardians = list(Guardian.objects.filter(family=family, can_pick_up=True))
        ticket = signing.dumps({"d": self.device.pk, "f": family.pk}, salt=TICKET_SALT)
        context = self.get_context_data(
            family=family,
            rows=rows,
            guardians=guardians,
            ticket=ticket,
            done=done,
            refusal=refusal,
            return_after=RETURN_SECONDS if done else IDLE_SECONDS,
        )
        return TemplateResponse(self.request, "outreach/kiosk_family.html", context, status=status)


class KioskPadView(KioskMixin, TemplateView):
    template_name = "outreach/kiosk_pad.html"

    def get_title(self) -> str:
        return f"Door kiosk · {self.device.program.name}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", KioskPinForm())
        return context

    def _limit(self, *, count: bool) -> bool:
        """Peek (`count=False`): the device used up its wrong PINs. Count one wrong PIN: True when it
        was the last one allowed, so the answer to it already says the kiosk pauses."""
        alliance_id, device = self.alliance.pk, str(self.device.pk)
        if count:
            return rate_limit_hit(
                action="kiosk-pin",
                alliance_id=alliance_id,
                subject=device,
                limit=WRONG_PINS_PER_WINDOW - 1,
                window=WRONG_PIN_WINDOW_SECONDS,
            )
        return rate_limit_reached(
            action="kiosk-pin",
            alliance_id=alliance_id,
            subject=device,
            limit=WRONG_PINS_PER_WINDOW,
            window=WRONG_PIN_WINDOW_SECONDS,
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self._limit(count=False):
            return self.render_to_response(self.get_context_data(form=KioskPinForm(), paused=PAUSED), status=429)
        family = kiosk_family_for_pin(device=self.device, pin=request.POST.get("pin", "").strip())
        if family is None:
            if self._limit(count=True):
                return self.render_to_response(self.get_context_data(form=KioskPinForm(), paused=PAUSED), status=429)
            wrong = "That PIN is not one of this program's families. Try again."
            return self.render_to_response(self.get_context_data(form=KioskPinForm(), wrong=wrong), status=400)
        return self.family_page(family)


class KioskMarkView(KioskMixin, ContextMixin, View):
    http_method_names = ["post"]

    def get_title(self) -> str:
        return f"Door kiosk · {self.device.program.name}"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            ticket = signing.loads(request.POST.get("ticket", ""), salt=TICKET_SALT, max_age=TICKET_SECONDS)
        except signing.BadSignature:
            messages.info(request, "Time is up: type your PIN again.")
            return redirect(self.kiosk_url())
        if ticket.get("d") != self.device.pk:
            raise Http404("No such family here.")
        family = Family.objects.get(pk=ticket["f"])
        enrollment_id, _, action = request.POST.get("mark", "").partition(":")
        enrollment = (
            Enrollment.objects.select_related("child", "classroom").filter(pk=enrollment_id).first()
            if enrollment_id.isdigit()
            else None
        )
        guardian_id = request.POST.get("guardian", "")
        guardian = Guardian.objects.filter(family=family, pk=guardian_id).first() if guardian_id.isdigit() else None
        if guardian is None:
            return self.family_page(family, refusal="Tap your name first: who is at the door?", status=400)
        if enrollment is None:
            return self.family_page(family, refusal="Tap check in or check out beside a child.", status=400)
        try:
            result = kiosk_attendance_mark(
                device=self.device, family=family, guardian=guardian, enrollment=enrollment, action=action
            )
        except ValidationError as exc:
            return self.family_page(family, refusal=" ".join(exc.messages), status=400)
        return self.family_page(family, done=result.sentence)


# --- Staff: the program's kiosk devices ----------------------------------------------------------
class KioskDevicesView(ProgramPage, TemplateView):
    template_name = "outreach/kiosk_devices.html"
    allowed_roles = HUB_AND_PROVIDER
    tab = "kiosk"
    title = "Door kiosk"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", KioskDeviceForm())
        context.update(
            devices=KioskDevice.objects.filter(program=self.program).select_related("created_by"),
            pin_families=FamilyPin.objects.filter(family__children__enrollments__program=self.program)
            .values("family")
            .distinct()
            .count(),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = KioskDeviceForm(request.POST)
        if form.is_valid():
            try:
                device, token = kiosk_device_create(
                    actor=request.user, program=self.program, name=form.cleaned_data["name"]
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"This browser is now the door kiosk “{device.name}” of {self.program.name}. "
                    "Sign out of the Hub before you leave the tablet at the door.",
                )
                response = redirect(reverse("public:kiosk", args=[self.alliance.slug]))
                response.set_signed_cookie(
                    KIOSK_COOKIE,
                    f"{self.alliance.pk}:{token}",
                    salt=KIOSK_COOKIE_SALT,
                    max_age=KIOSK_COOKIE_SECONDS,
                    path="/kiosk/",
                    secure=request.is_secure(),
                    httponly=True,
                    samesite="Lax",
                )
                return response
        return self.render_to_response(self.get_context_data(form=form), status=400)


class KioskDeviceRevokeView(ProgramPage, View):
    allowed_roles = HUB_AND_PROVIDER
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        device = self.get_for_member(KioskDevice.objects.filter(program=self.program), pk=kwargs["pk"])
        try:
            kiosk_device_revoke(actor=request.user, device=device)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{device.name} is revoked: that browser no longer opens the kiosk.")
        return redirect(self.program_url("outreach:kiosk_devices"))


# --- PINs -----------------------------------------------------------------------------------------
class StaffFamilyPinView(FamilyFromURL, TemplateView):
    template_name = "outreach/family_pin_staff.html"
    section = "families"

    def get_title(self) -> str:
        return f"Kiosk PIN · {self.get_family().name}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", StaffPinForm())
        context.update(family=self.get_family(), pin_row=FamilyPin.objects.filter(family=self.get_family()).first())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = StaffPinForm(request.POST)
        if form.is_valid():
            try:
                _, pin = family_pin_set(
                    actor=request.user, family=self.get_family(), pin=form.cleaned_data["pin"] or None
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                # Shown once, on this answer only: neither stored nor put in a message.
                return self.render_to_response(self.get_context_data(form=StaffPinForm(), new_pin=pin))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class FamilyPinView(FamilyPageMixin, TemplateView):
    template_name = "outreach/family_pin.html"
    title = "Your door kiosk PIN"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", FamilyPinForm())
        context.update(pin_row=FamilyPin.objects.filter(family=self.family).first())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = FamilyPinForm(request.POST)
        if form.is_valid():
            try:
                family_pin_set(actor=None, family=self.family, pin=form.cleaned_data["pin"], guardian=self.guardian)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, "Your PIN is set. Type it on the tablet at the door of your program.")
                return redirect(self.public_url("public:family_home"))
        return self.render_to_response(self.get_context_data(form=form), status=400)
