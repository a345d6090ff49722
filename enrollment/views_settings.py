"""The alliance's age bands: which completed months make an infant, a toddler..."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from alliance.views_base import ADMIN_ONLY, HUB_ONLY
from enrollment import services
from enrollment.forms import AgeBandsForm
from enrollment.pages import EnrollmentFormPage
from enrollment.selectors import age_bands


class AgeBandsView(EnrollmentFormPage):
    """Hub staff read the bands; the Hub administrator changes them."""

    allowed_roles = HUB_ONLY
    section = "settings"
    title = "Age groups"
    submit_label = "Save the age groups"
    template_name = "enrollment/age_bands.html"
    intro = (
        "A child's age group on a day follows from their date of birth: completed months, from the first "
        "number up to (not including) the second. Enrollment checks it on the start date; the waitlist "
        "shows it at the desired start. Mixed-age rooms take every group."
    )

    def get_form(self, form_class: Any = None) -> AgeBandsForm:
        return AgeBandsForm(**self.get_form_kwargs(), bands=age_bands())

    def post(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if not self.membership.may(ADMIN_ONLY):
            raise PermissionDenied("Only the Hub administrator changes the age groups.")
        return super().post(request, *args, **kwargs)

    def perform(self, form: AgeBandsForm) -> Any:
        return services.age_bands_set(actor=self.request.user, bands=form.bands())

    def success_message(self, obj: Any) -> str:
        return "Age groups saved; waiting children's age groups were recomputed."

    def success_url_for(self, obj: Any) -> str:
        return self.alliance_url("enrollment:age_bands")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(bands=age_bands(), can_edit=self.membership.may(ADMIN_ONLY))
        return context
