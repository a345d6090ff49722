"""Forms of the outreach pages. They parse input; the rules live in the services."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms

from alliance.dates import DateKind, date_or_none
from enrollment.forms import day_length_field, weekdays_field
from members.forms import HubForm
from members.models import MemberProgram
from outreach.models import (
    PUBLIC_FIELDS,
    TOUR_CAPACITY,
    TOUR_MINUTES,
    CloseReason,
    ContactMethod,
    InquiryStatus,
    SubsidyStatus,
)
from outreach.selectors import Schedule
from outreach.services import MAX_CHILDREN_PER_INQUIRY, ChildRequest
from outreach.spam import HONEYPOT_FIELD


class CareFilterForm(HubForm):
    """The public page's filters (GET). Every field is optional."""

    dob = forms.DateField(
        required=False, label="Child's date of birth", help_text="We show the places for your child's age group."
    )
    start = forms.DateField(required=False, label="Care needed from")
    area = forms.ChoiceField(required=False, label="Town")
    schedule = forms.ChoiceField(required=False, choices=[("", "Any schedule"), *Schedule.CHOICES])
    subsidy = forms.BooleanField(required=False, label="Accepts child-care subsidy")

    def __init__(self, *args: Any, areas: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", "Any town"), *[(a, a) for a in areas]]  # type: ignore[attr-defined]


class ProgramPicksField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: MemberProgram) -> str:
        return obj.name


class InquiryForm(HubForm):
    """One inquiry for the whole alliance. `website` is a honeypot: people never see it."""

    fieldsets = [
        ("About you", ["guardian_first_name", "guardian_last_name", "guardian_email", "guardian_phone", "postal_code"]),
        *[
            (f"Child {i}" + ("" if i == 1 else " (if any)"), [f"child{i}_first_name", f"child{i}_date_of_birth"])
            for i in range(1, MAX_CHILDREN_PER_INQUIRY + 1)
        ],
        ("The care you need", ["desired_start", "weekdays", "day_length"]),
        ("Where", ["programs", "area", "any_program"]),
        ("Child-care subsidy", ["subsidy_status"]),
        ("Anything else", ["message"]),
        ("", ["consent_contact"]),
    ]
    guardian_first_name = forms.CharField(max_length=100, label="Your first name")
    guardian_last_name = forms.CharField(max_length=100, label="Your last name")
    guardian_email = forms.EmailField(required=False, label="Email", help_text="To sign in to your family page later.")
    guardian_phone = forms.CharField(max_length=40, required=False, label="Phone")
    postal_code = forms.CharField(max_length=20, required=False, label="ZIP code")
    desired_start = forms.DateField(label="Care needed from")
    weekdays = weekdays_field()
    day_length = day_length_field()
    programs = ProgramPicksField(queryset=MemberProgram.objects.none(), required=False, label="Programs you would like")
    area = forms.ChoiceField(required=False, label="Or any program in this town")
    any_program = forms.BooleanField(required=False, label="Any program of the alliance would suit us")
    subsidy_status = forms.ChoiceField(
        choices=SubsidyStatus.choices, widget=forms.RadioSelect, label="Do you have a child-care subsidy?"
    )
    message = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Questions or needs we should know about",
    )
    consent_contact = forms.BooleanField(
        label="The Hub and the member programs I chose may contact me about child care, and keep my "
        "children on the alliance's shared waitlist."
    )

    def __init__(self, *args: Any, programs: Any, areas: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(1, MAX_CHILDREN_PER_INQUIRY + 1):
            self.fields[f"child{i}_first_name"] = forms.CharField(
                max_length=100,
                required=i == 1,
                label="First name",
                help_text="Or “Baby” if not born yet." if i == 1 else "",
            )
            self.fields[f"child{i}_date_of_birth"] = forms.DateField(
                required=i == 1, label="Date of birth", help_text="Or the expected date." if i == 1 else ""
            )
        self._use_pickers()
        self.fields["programs"].queryset = programs  # type: ignore[attr-defined]
        self.fields["area"].choices = [("", "—"), *[(a, a) for a in areas]]  # type: ignore[attr-defined]
        self.fields[HONEYPOT_FIELD] = forms.CharField(required=False, label="Leave this field empty")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("guardian_email") and not (data.get("guardian_phone") or "").strip():
            self.add_error("guardian_phone", "Give a phone number or an email address, so we can answer.")
        for i in range(2, MAX_CHILDREN_PER_INQUIRY + 1):
            name, born = data.get(f"child{i}_first_name"), data.get(f"child{i}_date_of_birth")
            if name and not born and f"child{i}_date_of_birth" not in self.errors:
                self.add_error(f"child{i}_date_of_birth", "Give this child's date of birth.")
            if born and not name:
                self.add_error(f"child{i}_first_name", "Give this child's first name.")
        return data

    @property
    def is_spam(self) -> bool:
        return bool((self.data.get(HONEYPOT_FIELD) or "").strip())

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        children = [
            ChildRequest(first_name=data[f"child{i}_first_name"], date_of_birth=data[f"child{i}_date_of_birth"])
            for i in range(1, MAX_CHILDREN_PER_INQUIRY + 1)
            if data.get(f"child{i}_date_of_birth")
        ]
        return {
            "guardian_first_name": data["guardian_first_name"],
            "guardian_last_name": data["guardian_last_name"],
            "email": data.get("guardian_email") or "",
            "phone": data.get("guardian_phone") or "",
            "postal_code": data.get("postal_code") or "",
            "children": children,
            "desired_start": data["desired_start"],
            "weekdays": data["weekdays"],
            "day_length": data["day_length"],
            "program_ids": [p.pk for p in data.get("programs") or []],
            "area": data.get("area") or "",
            "any_program": data.get("any_program", False),
            "subsidy_status": data["subsidy_status"],
            "message": data.get("message") or "",
            "consent_contact": data.get("consent_contact", False),
        }


class ListingForm(HubForm):
    fieldsets = [
        ("On the public page", ["published", "description", "languages", "accepts_subsidy"]),
        ("Which facts families see", [name for name, _ in PUBLIC_FIELDS]),
    ]
    published = forms.BooleanField(required=False, label="Show this program on the alliance's public page")
    description = forms.CharField(
        required=False,
        max_length=600,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="A few words for families",
        help_text="Approach, meals, outdoor time… At most 600 characters.",
    )
    languages = forms.CharField(
        required=False, max_length=200, help_text="Separated by commas.", label="Languages spoken with children"
    )
    accepts_subsidy = forms.BooleanField(required=False, label="We accept child-care subsidy")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in PUBLIC_FIELDS:
            self.fields[name] = forms.BooleanField(required=False, label=label)


class FirstContactForm(HubForm):
    method = forms.ChoiceField(choices=ContactMethod.manual_choices(), label="How you reached the family")
    contacted_at = forms.DateTimeField(
        required=False,
        label="When",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Blank for now.",
    )
    note = forms.CharField(required=False, max_length=500, label="Note")


class CloseForm(HubForm):
    reason = forms.ChoiceField(choices=CloseReason.choices)
    note = forms.CharField(required=False, max_length=500)


class InquiryFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        initial="open",
        choices=[("open", "Open (not enrolled, not closed)"), *InquiryStatus.CHOICES, ("", "All")],
    )
    q = forms.CharField(required=False, label="Guardian")


class SignInRequestForm(HubForm):
    email = forms.EmailField(label="Your email address", help_text="The address you gave the Hub or your program.")


class FamilyDeclineForm(HubForm):
    note = forms.CharField(required=False, max_length=300, label="Anything you want to tell us")
    keep_waiting = forms.BooleanField(required=False, initial=True, label="Keep us on the waitlist")


def parse_date(value: str | None, kind: DateKind | None = None) -> datetime.date | None:
    """An optional date of a query string; None when blank, not a date or implausible."""
    return date_or_none(value, kind)


class FamilyAutopayForm(HubForm):
    """A family's bank details and signature for autopay (billing/family_autopay.py checks them)."""

    holder_name = forms.CharField(label="Name on the bank account", max_length=22)
    routing_number = forms.CharField(
        label="Routing number",
        max_length=9,
        help_text="The 9 digits at the bottom left of a check.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    account_number = forms.CharField(
        label="Account number",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    account_number_again = forms.CharField(
        label="Account number again",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    account_type = forms.ChoiceField(
        label="Account type",
        choices=[("checking", "Checking"), ("savings", "Savings")],
        initial="checking",
        widget=forms.RadioSelect,
    )
    agreed = forms.BooleanField(required=False, label="I have read the authorization above and I agree to it")
    signed_name = forms.CharField(label="Type your full name to sign", max_length=200)
    shown_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)


class MessageTemplateForm(HubForm):
    name = forms.CharField(max_length=100)
    channel = forms.ChoiceField(choices=[("email", "Email"), ("text", "Text message")], initial="email")
    subject = forms.CharField(max_length=200, required=False, help_text="Emails only.")
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), max_length=4000)


class MessageForm(HubForm):
    recipient = forms.ChoiceField(label="To")
    channel = forms.ChoiceField(choices=[("email", "Email"), ("text", "Text message")], initial="email")
    template = forms.ChoiceField(required=False, label="Start from a template")
    subject = forms.CharField(max_length=200, required=False, help_text="Emails only.")
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 8}), max_length=4000)

    def __init__(self, *args: Any, recipients: list[tuple[str, str]], templates: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].choices = recipients  # type: ignore[attr-defined]
        self.fields["template"].choices = [("", "— none —"), *templates]  # type: ignore[attr-defined]


# --- Tours ----------------------------------------------------------------------
class TourSlotForm(HubForm):
    program = forms.ChoiceField()
    day = forms.DateField(label="Day")
    starts_at = forms.TimeField(label="Starts at")
    minutes = forms.IntegerField(
        label="Length (minutes)", min_value=TOUR_MINUTES[0], max_value=TOUR_MINUTES[1], initial=30
    )
    capacity = forms.IntegerField(
        label="Families per tour", min_value=TOUR_CAPACITY[0], max_value=TOUR_CAPACITY[1], initial=1
    )
    note = forms.CharField(required=False, max_length=200, help_text="Where to meet, what to bring.")

    def __init__(self, *args: Any, programs: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if programs is None:
            del self.fields["program"]
        else:
            self.fields["program"].choices = programs  # type: ignore[attr-defined]


class TourSlotCancelForm(HubForm):
    reason = forms.CharField(max_length=300, label="Why it is cancelled", help_text="The families booked are told.")


class TourBookForm(HubForm):
    slot = forms.ChoiceField(label="Tour", widget=forms.RadioSelect)
    template = forms.ChoiceField(
        required=False,
        label="Confirm with a message template",
        help_text="Sent to the family through the outbox; placeholders such as {tour_day} are filled in.",
    )
    recipient = forms.ChoiceField(required=False, label="To")

    def __init__(
        self,
        *args: Any,
        slots: list[tuple[str, str]],
        templates: list[tuple[str, str]],
        recipients: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = slots  # type: ignore[attr-defined]
        self.fields["template"].choices = [("", "— no confirmation —"), *templates]  # type: ignore[attr-defined]
        self.fields["recipient"].choices = recipients  # type: ignore[attr-defined]


class TourBookingActionForm(HubForm):
    status = forms.ChoiceField(choices=[(s, s) for s in ("cancelled", "attended", "no_show")])
    note = forms.CharField(required=False, max_length=300)
    back = forms.ChoiceField(required=False, choices=[("inquiry", "inquiry"), ("slot", "slot")])
    tell_family = forms.BooleanField(required=False)


class TourWeekForm(HubForm):
    week = forms.DateField(required=False)
    program = forms.IntegerField(required=False, min_value=1)


# --- The door kiosk ---------------------------------------------------------
def _pin_field(label: str, *, required: bool = True, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        min_length=4,
        max_length=6,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "pattern": "[0-9]{4,6}", "autocomplete": "off"}),
    )


class KioskDeviceForm(HubForm):
    name = forms.CharField(
        label="Name of this device", max_length=100, initial="Front door tablet", help_text="Where the tablet stands."
    )


class StaffPinForm(HubForm):
    pin = _pin_field("New PIN", required=False, help_text="4 to 6 digits. Leave blank for a random PIN.")


class FamilyPinForm(HubForm):
    pin = _pin_field("New PIN", help_text="4 to 6 digits, which you type at the door of your program.")
    pin_again = _pin_field("The same PIN again")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("pin") and data.get("pin_again") and data["pin"] != data["pin_again"]:
            self.add_error("pin_again", "The two PINs differ.")
        return data


class KioskPinForm(forms.Form):
    pin = forms.CharField(
        label="Your family PIN",
        max_length=6,
        widget=forms.PasswordInput(
            attrs={"inputmode": "numeric", "pattern": "[0-9]*", "autocomplete": "off", "autofocus": True}
        ),
    )


class OffersMessageForm(HubForm):
    """One message to the family of each ticked offer (outreach.messaging.messages_to_offered_families)."""

    # Which offers: re-read from the request by the view through the access rules (offers_for_message).
    offer = forms.Field(widget=forms.MultipleHiddenInput, required=False, label="Offers")
    channel = forms.ChoiceField(choices=[("email", "Email"), ("text", "Text message")], initial="email")
    template = forms.ChoiceField(required=False, label="Start from a template")
    subject = forms.CharField(max_length=200, required=False, help_text="Emails only.")
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 8}), max_length=4000)

    def __init__(self, *args: Any, templates: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [("", "— none —"), *templates]  # type: ignore[attr-defined]
