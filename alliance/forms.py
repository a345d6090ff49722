from __future__ import annotations

from decimal import Decimal

from django import forms
from django.apps import apps
from django.contrib.auth import password_validation

from alliance.models import DIGEST_HOUR, HOME_OWNER_HOURLY_WAGE, INQUIRY_CONTACT_TARGET_HOURS, Locale, Role


class InvitationForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices)
    program: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None,
        required=False,
        help_text="Required for providers: the member program they run.",
    )

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = apps.get_model("members", "MemberProgram").objects.all()

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean()
        role, program = cleaned.get("role"), cleaned.get("program")
        if role == Role.PROVIDER and program is None:
            self.add_error("program", "Choose the member program this provider runs.")
        if role and role != Role.PROVIDER and program is not None:
            self.add_error("program", "Only providers are tied to a member program.")
        return cleaned


class AcceptInvitationForm(forms.Form):
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label="Password again", widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, email: str = "", **kwargs):  # type: ignore[no-untyped-def]
        self.email = email
        super().__init__(*args, **kwargs)

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords differ.")
        elif p1:
            from django.contrib.auth.models import User

            try:
                password_validation.validate_password(p1, User(username=self.email, email=self.email))
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


def _time_zone_choices() -> list[tuple[str, str]]:
    import zoneinfo

    return [
        (name, name.replace("_", " "))
        for name in sorted(zoneinfo.available_timezones())
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix/", "right/"))
    ]


class AllianceSettingsForm(forms.Form):
    """The alliance's own name, region, time zone, locale and fiscal year (hub administrators)."""

    name = forms.CharField(max_length=200)
    region = forms.CharField(
        max_length=200,
        required=False,
        help_text="Where the alliance works, as funders would say it (a county, a state).",
    )
    timezone = forms.ChoiceField(
        label="Time zone",
        choices=_time_zone_choices,
        help_text="Pages, attendance times and the nightly rollup's day follow it.",
    )
    locale = forms.ChoiceField(label="Date and number format", choices=Locale.choices)
    fiscal_year_start_month = forms.TypedChoiceField(
        label="Fiscal year starts in",
        coerce=int,
        choices=[
            (n, name)
            for n, name in enumerate(
                [
                    "January",
                    "February",
                    "March",
                    "April",
                    "May",
                    "June",
                    "July",
                    "August",
                    "September",
                    "October",
                    "November",
                    "December",
                ],
                start=1,
            )
        ],
    )
    home_owner_hourly_wage = forms.DecimalField(
        label="Local median wage for a home owner, an hour",
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text="A family child-care home's owner's labour is a cost: this x 40 hours x 52 weeks / 12 a month, "
        "unless the program declares a monthly wage of its own. Blank: the default, "
        f"{HOME_OWNER_HOURLY_WAGE} an hour.",
    )

    def clean_home_owner_hourly_wage(self) -> Decimal:
        value = self.cleaned_data.get("home_owner_hourly_wage")
        return HOME_OWNER_HOURLY_WAGE if value is None else value

    inquiry_contact_target_hours = forms.IntegerField(
        label="First contact with a new inquiry within, hours",
        min_value=1,
        max_value=336,
        required=False,
        help_text="An inquiry not contacted by then is on the Today list. Blank: the default, "
        f"{INQUIRY_CONTACT_TARGET_HOURS} hours.",
    )
    digest_hour = forms.TypedChoiceField(
        label="Today digest sent at",
        coerce=int,
        required=False,
        empty_value=None,
        choices=[(hour, f"{hour:02d}:00") for hour in range(24)],
        help_text="The hour, in the alliance's time zone, the morning email of the Today list goes to those who "
        "asked for it.",
    )

    def clean_digest_hour(self) -> int:
        value = self.cleaned_data.get("digest_hour")
        return DIGEST_HOUR if value is None else value

    def clean_inquiry_contact_target_hours(self) -> int:
        value = self.cleaned_data.get("inquiry_contact_target_hours")
        return INQUIRY_CONTACT_TARGET_HOURS if value is None else value


# --- The platform operator's console (alliance/views_operator.py) ------------------------------------------
TARGET_DEFAULTS_PERCENT = {
    "budget_occupancy": Decimal("85"),
    "target_occupancy": Decimal("95"),
    "bad_debt_max": Decimal("2"),
    "collection_min": Decimal("98"),
}


class AllianceCreateForm(AllianceSettingsForm):
    """A new alliance: the settings page's fields (the same validation), its address and its targets."""

    slug = forms.SlugField(
        label="Address",
        max_length=60,
        help_text="The alliance's pages are at /a/<address>/: lower-case letters, digits and hyphens, e.g. "
        "riverbend. It cannot be changed later.",
    )
    field_order = ["name", "slug", "region", "timezone", "locale", "fiscal_year_start_month"]

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        import copy

        from metrics.forms import TargetsForm

        kwargs.setdefault(
            "initial",
            {
                "timezone": "America/Chicago",
                "locale": Locale.EN_US,
                "fiscal_year_start_month": 7,
                **TARGET_DEFAULTS_PERCENT,
            },
        )
        super().__init__(*args, **kwargs)
        # The targets page's fields (metrics/forms.py), in percent, with its rule checked in clean().
        self.target_fields = list(TargetsForm.FIELDS)
        for name in self.target_fields:
            self.fields[name] = copy.deepcopy(TargetsForm.base_fields[name])

    def clean_slug(self) -> str:
        return str(self.cleaned_data["slug"]).lower()

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean()
        budget, target = cleaned.get("budget_occupancy"), cleaned.get("target_occupancy")
        if budget is not None and target is not None and budget > target:
            self.add_error("budget_occupancy", "The budgeted occupancy cannot exceed the target.")
        return cleaned

    def settings_values(self) -> dict[str, object]:
        return {name: value for name, value in self.cleaned_data.items() if name not in self.target_fields}

    def target_fractions(self) -> dict[str, Decimal]:
        return {name: (self.cleaned_data[name] / 100).quantize(Decimal("0.0001")) for name in self.target_fields}


class OperatorInviteForm(forms.Form):
    email = forms.EmailField(
        label="Email of the first hub administrator",
        help_text="They get the usual invitation email: a one-time link, valid 14 days, where they choose a "
        "password and set up two-factor authentication.",
    )


class SuspensionForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Recorded in the alliance's audit history; a suspension's reason is shown to its users.",
    )
