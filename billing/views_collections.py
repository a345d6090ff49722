"""The collections worklist as a call list (Hub staff): who owes what past due, their phones and
emails, search, filters and sort over the whole list, paging, CSV, and a call logged in one step."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import DetailView, TemplateView

from alliance.dates import alliance_today
from alliance.listing import Column, csv_response, header_cells, page_of, sort_of
from alliance.views_base import HUB_ONLY
from billing.aging import BUCKET_LABELS, BUCKETS
from billing.bulk_actions import bulk_check, bulk_job_start
from billing.forms import CollectionsFilterForm
from billing.models import BulkAction, BulkJob, FamilyAccount, Payer
from billing.payments import WRITE_OFF_REASON_MIN_LENGTH
from billing.rows_html import collections_rows_html
from billing.views import BillingPage
from billing.worklist import (
    DEFAULT_SORT,
    SORT_KEYS,
    WorklistRow,
    collections_worklist,
    worklist_csv_rows,
    worklist_details,
)
from members.models import MemberProgram

COLUMNS = [
    Column("Family", "family"),
    Column("Program", "program"),
    Column("How to reach them"),
    Column("Days past due", "days", numeric=True),
    Column("Past due", "past_due", numeric=True),
    Column("Balance", "balance", numeric=True),
    Column("Promise", "promise"),
    Column("Last contact", "contact"),
    Column("Act"),
]


class CollectionsView(BillingPage, TemplateView):
    """Who to call: accounts past due, oldest first by default, with how to reach each family."""

    allowed_roles = HUB_ONLY
    template_name = "billing/collections.html"
    title = "Collections worklist"
    paginate_by = 50

    def filter_form(self) -> CollectionsFilterForm:
        form = CollectionsFilterForm(self.request.GET or None)
        form.fields["program"].queryset = self.visible(MemberProgram.objects.all()).order_by("name")  # type: ignore[attr-defined]
        form.fields["payer"].queryset = Payer.objects.order_by("name")  # type: ignore[attr-defined]
        return form

    def worklist(self) -> tuple[CollectionsFilterForm, str, list[WorklistRow]]:
        form = self.filter_form()
        params = form.cleaned_data if form.is_valid() else {}
        sort = sort_of(self.request.GET.get("sort"), SORT_KEYS, DEFAULT_SORT)
        rows = collections_worklist(
            self.visible(FamilyAccount.objects.all()),
            as_of=alliance_today(self.alliance),
            search=params.get("q") or "",
            program_id=params["program"].pk if params.get("program") else None,
            payer_id=params["payer"].pk if params.get("payer") else None,
            bucket=params.get("bucket") or "",
            promise=params.get("promise") or "",
            sort=sort,
        )
        return form, sort, rows

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form, sort, rows = self.worklist()
        paged = page_of(rows, self.request, per_page=self.paginate_by)
        context.update(paged)
        here = self.request.get_full_path()
        shown = worklist_details(list(paged["page_obj"]))
        context.update(
            filters=form,
            headers=header_cells(self.request, COLUMNS, sort),
            rows=shown,
            rows_html=collections_rows_html(shown, slug=self.alliance.slug, here=here),
            past_due_count=len(rows),
            filtered=any(self.request.GET.get(k) for k in ("q", "program", "bucket", "promise", "payer")),
            buckets=[(b, BUCKET_LABELS[b]) for b in BUCKETS],
            server_sorted=True,
            bulk_actions=BulkAction.choices,
            select_all="bulk",
            here=here,
            csv_url=self.alliance_url("billing:collections_csv") + "?" + paged["query_string"],
        )
        return context


class CollectionsCsvView(CollectionsView):
    """The whole worklist as filtered and sorted on the page, as CSV."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _, _, rows = self.worklist()
        name = f"collections-{self.alliance.slug}-{alliance_today(self.alliance).isoformat()}"
        return csv_response(worklist_csv_rows(rows), name)


def back_to_worklist(request: HttpRequest, fallback: str) -> str:
    """The `next` the worklist passed along (its filters, sort and page), if it is this site's own path."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


class BulkView(BillingPage, TemplateView):
    """Bulk actions on the rows ticked on the worklist (POST only): first a confirm page that says what
    will happen to how many rows and which cannot be done, then, confirmed, a job done by tasks."""

    allowed_roles = HUB_ONLY
    template_name = "billing/bulk_confirm.html"
    title = "Confirm a bulk action"
    crumb = ("Collections worklist", "billing:collections")
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        back = back_to_worklist(request, self.alliance_url("billing:collections"))
        ids = [int(v) for v in request.POST.getlist("accounts") if v.isascii() and v.isdigit()]
        accounts = list(
            self.visible(FamilyAccount.objects.filter(pk__in=ids))
            .select_related("family", "program")
            .order_by("family__name", "program__name", "pk")
        )
        action, reason = request.POST.get("action", ""), request.POST.get("reason", "").strip()
        errors = []
        if action not in BulkAction.values:
            errors.append("Choose what to do with the selected rows.")
        if not accounts:
            errors.append("Tick at least one row first.")
        if action == BulkAction.WRITE_OFF and len(reason) < WRITE_OFF_REASON_MIN_LENGTH:
            errors.append(
                f"Write why these balances cannot be collected (at least {WRITE_OFF_REASON_MIN_LENGTH} characters)."
            )
        if errors:
            for error in errors:
                messages.error(request, error)
            return redirect(back)
        checks = bulk_check(action=action, accounts=accounts)
        doable = [c for c in checks if not c.refusal]
        if request.POST.get("confirm") == "yes":
            try:
                job = bulk_job_start(
                    actor=request.user,
                    action=action,
                    account_ids=[c.account.pk for c in checks],
                    reason=reason,
                    token=request.POST.get("token", ""),
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect(back)
            return redirect(self.alliance_url("billing:bulk_job", job.pk))
        context = self.get_context_data(
            action=action,
            action_label=BulkAction(action).label,
            reason=reason,
            checks=checks,
            doable=len(doable),
            refused=len(checks) - len(doable),
            token=uuid.uuid4().hex,
            next_url=back,
        )
        return self.render_to_response(context)


class BulkJobView(BillingPage, DetailView):
    """A bulk action's progress and each row's outcome."""

    allowed_roles = HUB_ONLY
    template_name = "billing/bulk_job.html"
    context_object_name = "job"
    crumb = ("Collections worklist", "billing:collections")

    def get_object(self, queryset=None):  # type: ignore[no-untyped-def]
        return self.get_for_member(BulkJob.objects.all(), pk=self.kwargs["pk"])

    def get_title(self) -> str:
        return f"{self.object.get_action_display()}: {self.object.total} row{'s' if self.object.total != 1 else ''}"


class BulkJobProgressView(BulkJobView):
    """The progress block alone, polled by htmx while the job runs."""

    template_name = "billing/_bulk_progress.html"
