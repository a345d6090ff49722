"""Statement pages, PDFs and email: one household across the programs the viewer may see."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import TemplateView

from alliance.dates import BUSINESS_DATE, alliance_today, date_or_none
from alliance.outbox import task_enqueue
from billing.models import FamilyAccount
from billing.statements import family_statement, statement_pdf, statement_recipients, year_end_tax_lines
from billing.views import BillingPage
from enrollment.models import Family


def _date(value: str | None, default: datetime.date) -> datetime.date:
    if not value:
        return default
    day = date_or_none(value)
    if day is None:
        raise ValidationError(f"Give dates as YYYY-MM-DD. {BUSINESS_DATE.message()}")
    return day


class FamilyPage(BillingPage):
    crumb = ("Family accounts", "billing:account_list")

    def get_family(self) -> Family:
        if not hasattr(self, "family"):
            self.family = self.get_for_member(Family.objects.all(), pk=self.kwargs["pk"])
        return self.family

    def accounts(self):  # type: ignore[no-untyped-def]
        return self.visible(FamilyAccount.objects.all())


class StatementView(FamilyPage, TemplateView):
    template_name = "billing/statement.html"

    def get_title(self) -> str:
        return f"Statement: {self.get_family().name}"

    def period(self) -> tuple[datetime.date, datetime.date]:
        today = alliance_today(self.alliance)
        default_start = (today.replace(day=1) - datetime.timedelta(days=60)).replace(day=1)
        start = _date(self.request.GET.get("start"), default_start)
        return start, _date(self.request.GET.get("end"), today)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        family = self.get_family()
        try:
            start, end = self.period()
            self.statement = family_statement(family, self.accounts(), start=start, end=end)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            today = alliance_today(self.alliance)
            self.statement = family_statement(family, self.accounts(), start=today.replace(day=1), end=today)
        if kwargs.get("pdf"):
            pdf = statement_pdf({"statement": self.statement, "alliance": self.alliance})
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = (
                f'attachment; filename="statement-{family.pk}-{self.statement.start}-{self.statement.end}.pdf"'
            )
            return response
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Email the statement to the family's primary contact."""
        from billing.tasks import email_statement

        family = self.get_family()
        back = redirect(request.get_full_path())
        try:
            start, end = (
                _date(request.POST.get("start"), alliance_today(self.alliance)),
                _date(request.POST.get("end"), alliance_today(self.alliance)),
            )
            family_statement(family, self.accounts(), start=start, end=end)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return back
        recipients = statement_recipients(family)
        if not recipients:
            messages.error(request, "No guardian of this family has an email address; add one first.")
            return back
        args = (
            self.alliance.pk,
            family.pk,
            list(self.accounts().filter(family=family).values_list("pk", flat=True)),
            start.isoformat(),
            end.isoformat(),
            request.user.pk,
        )
        task_enqueue(email_statement.si(*args), ref=f"statement:{family.pk}", email=True)
        messages.success(request, f"Statement emailed to {recipients[0]}.")
        return back

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(statement=self.statement, family=self.family, last_year=alliance_today(self.alliance).year - 1)
        return context


class TaxStatementView(FamilyPage, TemplateView):
    template_name = "billing/tax_statement.html"

    def get_title(self) -> str:
        return f"Child-care expenses {self.kwargs['year']}: {self.get_family().name}"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        family = self.get_family()
        self.lines = year_end_tax_lines(family, self.accounts(), year=kwargs["year"])
        if kwargs.get("pdf"):
            pdf = statement_pdf(
                {
                    "family": family,
                    "year": kwargs["year"],
                    "lines": self.lines,
                    "alliance": self.alliance,
                    "total": sum(line.paid for line in self.lines),
                },
                template="billing/tax_statement_pdf.html",
            )
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="child-care-{kwargs["year"]}-{family.pk}.pdf"'
            return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            family=self.family, year=self.kwargs["year"], lines=self.lines, total=sum(line.paid for line in self.lines)
        )
        return context
