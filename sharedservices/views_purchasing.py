"""Joint purchasing pages: catalogue, cycles, members' orders, purchase orders, deliveries."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import TemplateView, View

from alliance.dates import alliance_today
from alliance.formatting import money
from alliance.views_base import HUB_AND_PROVIDER, HUB_ONLY, add_errors
from members.models import MemberProgram
from sharedservices import services
from sharedservices.forms import CatalogueItemForm, CycleForm, DeliveryForm, OrderLineForm, VendorForm
from sharedservices.models import (
    CatalogueItem,
    CycleStatus,
    MemberOrder,
    MemberOrderLine,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchasingCycle,
    Vendor,
)
from sharedservices.pages import SharedFormPage, SharedPage
from sharedservices.selectors import cycle_counts, cycle_orders, order_totals, purchase_order_members


class PurchasingHomeView(SharedPage, TemplateView):
    allowed_roles = HUB_AND_PROVIDER
    template_name = "sharedservices/purchasing_home.html"
    section = "purchasing"
    title = "Joint purchasing"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        counts = cycle_counts()
        cycles = list(PurchasingCycle.objects.order_by("status", "-closes_on", "-id"))
        own_orders = {}
        if not self.is_hub:
            own_orders = {o.cycle_id: o for o in self.visible(MemberOrder.objects.all())}
        context.update(
            cycles=[(c, counts.get(c.pk, {}), own_orders.get(c.pk)) for c in cycles],
            items=CatalogueItem.objects.filter(is_active=True, vendor__is_active=True)
            .select_related("vendor")
            .order_by("vendor__name", "name"),
        )
        return context


# --- Catalogue (Hub) ----------------------------------------------------------------
class VendorListView(SharedPage, TemplateView):
    template_name = "sharedservices/vendor_list.html"
    section = "purchasing"
    title = "Vendors and catalogue"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        page = Paginator(Vendor.objects.order_by("-is_active", "name").prefetch_related("items"), 50).get_page(
            self.request.GET.get("page")
        )
        context.update(vendors=page, page_obj=page, paginator=page.paginator, is_paginated=page.has_other_pages())
        return context


class VendorCreateView(SharedFormPage):
    form_class = VendorForm
    section = "purchasing"
    title = "Add a vendor"

    def perform(self, form: VendorForm) -> Vendor:
        return services.vendor_create(actor=self.request.user, **form.cleaned_data)

    def success_url_for(self, obj: Vendor) -> str:
        return self.alliance_url("sharedservices:vendor_detail", obj.pk)


class VendorPage(SharedPage):
    section = "purchasing"

    def get_vendor(self) -> Vendor:
        if not hasattr(self, "vendor"):
            self.vendor = self.get_for_member(Vendor.objects.all(), pk=self.kwargs["pk"])
        return self.vendor

    def vendor_url(self) -> str:
        return self.alliance_url("sharedservices:vendor_detail", self.get_vendor().pk)

    def extra_crumbs(self) -> list[tuple[str, str | None]]:
        crumbs: list[tuple[str, str | None]] = [("Vendors", self.alliance_url("sharedservices:vendor_list"))]
        if self.get_title() != str(self.get_vendor()):
            crumbs.append((str(self.get_vendor()), self.vendor_url()))
        return crumbs


class VendorDetailView(VendorPage, TemplateView):
    template_name = "sharedservices/vendor_detail.html"

    def get_title(self) -> str:
        return str(self.get_vendor())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            vendor=self.get_vendor(),
            items=CatalogueItem.objects.filter(vendor=self.get_vendor()).order_by("-is_active", "name"),
            purchase_orders=PurchaseOrder.objects.filter(vendor=self.get_vendor())
            .select_related("cycle")
            .order_by("-created_at")[:20],
        )
        return context


class VendorEditView(VendorPage, SharedFormPage):
    form_class = VendorForm
    title = "Edit vendor"

    def get_initial(self) -> dict[str, Any]:
        v = self.get_vendor()
        return {f: getattr(v, f) for f in ("name", "contact_name", "email", "phone", "is_active", "notes")}

    def perform(self, form: VendorForm) -> Vendor:
        return services.vendor_update(actor=self.request.user, vendor=self.get_vendor(), data=form.cleaned_data)

    def cancel_url(self) -> str:
        return self.vendor_url()

    def success_url_for(self, obj: Any) -> str:
        return self.vendor_url()


class ItemCreateView(VendorEditView):
    form_class = CatalogueItemForm  # type: ignore[assignment]
    title = "Add a catalogue item"

    def get_initial(self) -> dict[str, Any]:
        return {"is_active": True}

    def perform(self, form: CatalogueItemForm) -> CatalogueItem:  # type: ignore[override]
        return services.catalogue_item_create(actor=self.request.user, vendor=self.get_vendor(), **form.cleaned_data)

    def success_message(self, obj: CatalogueItem) -> str:
        return f"{obj.name} added to the catalogue."


class ItemEditView(VendorEditView):
    form_class = CatalogueItemForm  # type: ignore[assignment]
    title = "Edit catalogue item"
    intro = "Open cycles are ordered at the prices in force when the Hub places the orders."

    def get_item(self) -> CatalogueItem:
        if not hasattr(self, "item"):
            self.item = self.get_for_member(CatalogueItem.objects.select_related("vendor"), pk=self.kwargs["pk"])
            self.vendor = self.item.vendor
        return self.item

    def get_vendor(self) -> Vendor:
        return self.get_item().vendor

    def get_initial(self) -> dict[str, Any]:
        i = self.get_item()
        return {f: getattr(i, f) for f in ("name", "sku", "unit", "alliance_price", "list_price", "is_active")}

    def perform(self, form: CatalogueItemForm) -> CatalogueItem:  # type: ignore[override]
        return services.catalogue_item_update(actor=self.request.user, item=self.get_item(), data=form.cleaned_data)


# --- Cycles -----------------------------------------------------------------------
class CycleCreateView(SharedFormPage):
    form_class = CycleForm
    section = "purchasing"
    title = "Open a purchasing cycle"

    def perform(self, form: CycleForm) -> PurchasingCycle:
        return services.purchasing_cycle_create(actor=self.request.user, **form.cleaned_data)

    def success_message(self, obj: PurchasingCycle) -> str:
        return f"{obj} is open for orders until {obj.closes_on}."

    def success_url_for(self, obj: PurchasingCycle) -> str:
        return self.alliance_url("sharedservices:cycle_detail", obj.pk)


class CyclePage(SharedPage):
    allowed_roles = HUB_AND_PROVIDER
    section = "purchasing"

    def get_cycle(self) -> PurchasingCycle:
        if not hasattr(self, "cycle"):
            # Cycles belong to the alliance, not to a program: every member may order in them.
            self.cycle = get_object_or_404(
                PurchasingCycle.objects.all(), pk=self.kwargs.get("cycle_pk", self.kwargs.get("pk"))
            )
        return self.cycle

    def cycle_url(self) -> str:
        return self.alliance_url("sharedservices:cycle_detail", self.get_cycle().pk)


class CycleDetailView(CyclePage, TemplateView):
    template_name = "sharedservices/cycle_detail.html"

    def get_title(self) -> str:
        return str(self.get_cycle())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        cycle = self.get_cycle()
        rows = cycle_orders(cycle, self.visible(MemberOrder.objects.all()))
        context.update(
            cycle=cycle,
            rows=rows,
            purchase_orders=PurchaseOrder.objects.filter(cycle=cycle).select_related("vendor") if self.is_hub else [],
            own_program=self.membership.program if not self.is_hub else None,
            is_open=cycle.status == CycleStatus.OPEN and cycle.closes_on >= alliance_today(self.alliance),
        )
        return context


class CyclePlaceOrdersView(CyclePage, View):
    """POST: close the cycle and place one purchase order per vendor."""

    allowed_roles = HUB_ONLY

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            orders = services.purchasing_cycle_place_orders(actor=request.user, cycle=self.get_cycle())
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                f"{len(orders)} purchase order{'s' if len(orders) != 1 else ''} placed: "
                + ", ".join(f"{po.number} ({po.vendor})" for po in orders)
                + ".",
            )
        return redirect(self.cycle_url())


class OrderView(CyclePage, TemplateView):
    """One program's order in one cycle: its lines, and a form to set a line while the cycle is open."""

    template_name = "sharedservices/order.html"

    def get_program(self) -> MemberProgram:
        if not hasattr(self, "program"):
            self.program = self.get_for_member(MemberProgram.objects.all(), pk=self.kwargs["program_pk"])
        return self.program

    def get_title(self) -> str:
        return f"{self.get_program()}: order"

    def extra_crumbs(self) -> list[tuple[str, str | None]]:
        return [(str(self.get_cycle()), self.cycle_url())]

    def order_url(self) -> str:
        return self.alliance_url("sharedservices:order", self.get_cycle().pk, self.get_program().pk)

    def is_open(self) -> bool:
        cycle = self.get_cycle()
        return cycle.status == CycleStatus.OPEN and cycle.closes_on >= alliance_today(self.alliance)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        program, cycle = self.get_program(), self.get_cycle()
        order = MemberOrder.objects.filter(cycle=cycle, program=program).first()
        lines = (
            list(MemberOrderLine.objects.filter(order=order).select_related("item", "item__vendor", "purchase_order"))
            if order
            else []
        )
        context.update(
            program=program,
            cycle=cycle,
            order=order,
            lines=lines,
            totals=order_totals(lines),
            is_open=self.is_open(),
            form=kwargs.get("form") or (OrderLineForm() if self.is_open() else None),
            delivered_savings=sum((li.savings for li in lines if li.savings is not None), 0),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = OrderLineForm(request.POST)
        if form.is_valid():
            try:
                line = services.member_order_line_set(
                    actor=request.user, cycle=self.get_cycle(), program=self.get_program(), **form.cleaned_data
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                item = form.cleaned_data["item"]
                messages.success(
                    request,
                    f"{item.name}: {line.quantity} ordered." if line else f"{item.name} removed from the order.",
                )
                return redirect(self.order_url())
        return self.render_to_response(self.get_context_data(form=form))


class PurchaseOrderPage(SharedPage):
    section = "purchasing"

    def get_purchase_order(self) -> PurchaseOrder:
        if not hasattr(self, "purchase_order"):
            self.purchase_order = self.get_for_member(
                PurchaseOrder.objects.select_related("vendor", "cycle"), pk=self.kwargs["pk"]
            )
        return self.purchase_order

    def purchase_order_url(self) -> str:
        return self.alliance_url("sharedservices:purchase_order_detail", self.get_purchase_order().pk)

    def extra_crumbs(self) -> list[tuple[str, str | None]]:
        po = self.get_purchase_order()
        crumbs: list[tuple[str, str | None]] = [
            (str(po.cycle), self.alliance_url("sharedservices:cycle_detail", po.cycle_id))
        ]
        if self.get_title() != str(po):
            crumbs.append((str(po), self.purchase_order_url()))
        return crumbs


class PurchaseOrderDetailView(PurchaseOrderPage, TemplateView):
    template_name = "sharedservices/purchase_order_detail.html"

    def get_title(self) -> str:
        return str(self.get_purchase_order())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        po = self.get_purchase_order()
        context.update(
            po=po,
            lines=PurchaseOrderLine.objects.filter(purchase_order=po).select_related("item"),
            members=purchase_order_members(po),
        )
        return context


class DeliveryCreateView(PurchaseOrderPage, SharedFormPage):
    form_class = DeliveryForm
    title = "Record a delivery"
    intro = "Quantities default to what was ordered; lower one if the vendor delivered less."

    def get_program(self) -> MemberProgram:
        if not hasattr(self, "program"):
            self.program = self.get_for_member(MemberProgram.objects.all(), pk=self.kwargs["program_pk"])
        return self.program

    def get_title(self) -> str:
        return f"Delivery to {self.get_program()}"

    def lines(self) -> list[MemberOrderLine]:
        return list(
            MemberOrderLine.objects.filter(
                purchase_order=self.get_purchase_order(), order__program=self.get_program()
            ).select_related("item")
        )

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "lines": self.lines()}

    def get_initial(self) -> dict[str, Any]:
        return {"delivered_on": alliance_today(self.alliance)}

    def perform(self, form: DeliveryForm) -> Any:
        return services.delivery_record(
            actor=self.request.user,
            purchase_order=self.get_purchase_order(),
            program=self.get_program(),
            delivered_on=form.cleaned_data["delivered_on"],
            quantities=form.quantities(),
            note=form.cleaned_data["note"],
        )

    def success_message(self, obj: Any) -> str:
        return f"Delivery to {obj.program} recorded; it saved them {money(obj.savings)} against list prices."

    def cancel_url(self) -> str:
        return self.purchase_order_url()

    def success_url_for(self, obj: Any) -> str:
        return self.purchase_order_url()
