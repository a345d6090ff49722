"""The collections worklist as a call list (Hub staff): who owes what past due, their phones and
emails, search, filters and sort over the whole list, paging, CSV, and a call logged in one step."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView

from alliance.dates import alliance_today
from alliance.listing import Column, csv_response, header_cells, page_of, sort_of
from alliance.views_base import HUB_ONLY
from billing.aging import BUCKET_LABELS, BUCKETS
from billing.forms import CollectionsFilterForm
from billing.models import FamilyAccount, Payer
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
        context.update(
            filters=form,
            headers=header_cells(self.request, COLUMNS, sort),
            rows=worklist_details(list(paged["page_obj"])),
            past_due_count=len(rows),
            filtered=any(self.request.GET.get(k) for k in ("q", "program", "bucket", "promise", "payer")),
            buckets=[(b, BUCKET_LABELS[b]) for b in BUCKETS],
            server_sorted=True,
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
