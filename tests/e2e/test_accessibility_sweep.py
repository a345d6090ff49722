"""Accessibility sweep: one URL of every page a hub admin and a provider can open, through axe-core.

The routes come from `tests/urlwalk.py` (every named page under /a/<slug>/), their ids
from the journey data. A route whose id cannot be filled, or that only answers POST,
downloads a file or returns an htmx fragment, is left out; at least 60 distinct pages
must be checked. A few provider pages are also checked at tablet width for horizontal
scrolling (providers take attendance on tablets).
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from alliance.models import Role
from alliance.tenancy import alliance_scope
from tests.e2e.conftest import TABLET, check_page, screenshot, sign_in
from tests.e2e.journey_data import months_ago
from tests.e2e.test_journeys import journey  # noqa: F401  (the module's world and live server)
from tests.factories import member
from tests.urlwalk import alliance_routes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

SKIPPED_SUFFIXES = (".csv", ".pdf", "/file/", "/download/", "/progress/")
MIN_PAGES = 60
PROVIDER_PAGES = {"members:program_detail", "enrollment:attendance_home", "enrollment:attendance_sheet",
                  "enrollment:enrollment_list", "enrollment:family_list", "billing:invoice_list",
                  "members:program_staff", "enrollment:child_detail"}


def route_values(world) -> dict[str, dict[str, object]]:  # type: ignore[no-untyped-def]
    """Ids for the routes' parameters, by the model the route's `pk` names."""
    from billing.models import Invoice, InvoiceRun, Payment
    from enrollment.models import Child, Enrollment, Guardian

    program, room, account = world.programs[0], world.rooms[0], world.accounts[0]
    with alliance_scope(world.alliance.pk):
        family_id = account.family_id
        invoice = Invoice.objects.filter(program=program).order_by("pk").first()
        payment = Payment.objects.filter(program=program).order_by("pk").first()
        child = Child.objects.filter(family_id=family_id).first()
        enrollment = Enrollment.objects.filter(child=child).first()
        guardian = Guardian.objects.filter(family_id=family_id).first()
        run = InvoiceRun.objects.order_by("pk").first()
    last_month = months_ago(world.today, 1)
    return {
        "billing:account": {"pk": account.pk},
        "billing:bank_account": {"pk": account.pk},
        "billing:collection_note": {"pk": account.pk},
        "billing:payment_plan": {"pk": account.pk},
        "billing:payment_create": {"pk": account.pk},
        "billing:write_off": {"pk": account.pk},
        "billing:statement": {"pk": family_id},
        "billing:tax_statement": {"pk": family_id, "year": world.today.year},
        "billing:invoice": {"pk": invoice.pk} if invoice else {},
        "billing:payment_reverse": {"pk": payment.pk} if payment else {},
        "billing:run": {"pk": run.pk} if run else {},
        "enrollment:child": {"pk": child.pk} if child else {},
        "enrollment:enrollment": {"pk": enrollment.pk} if enrollment else {},
        "enrollment:family": {"pk": family_id},
        "enrollment:child_create": {"pk": family_id},
        "enrollment:guardian_create": {"pk": family_id},
        "enrollment:guardian_edit": {"pk": guardian.pk} if guardian else {},
        "enrollment:attendance": {"pk": room.pk},
        "enrollment:classroom": {"pk": room.pk},
        "members:classroom": {"pk": room.pk},
        "members:costs_month": {"year": last_month.year, "month": last_month.month},
        "metrics:program": {"pk": program.pk},
        "metrics:value_program": {"pk": program.pk},
    }


def fill(route, values: dict[str, dict[str, object]], program_pk: int) -> dict[str, object] | None:  # type: ignore[no-untyped-def]
    """The route's parameters, or None when one cannot be filled."""
    wanted = {name for _, name in route.params() if name != "alliance_slug"}
    given: dict[str, object] = {"program_pk": program_pk} if "program_pk" in wanted else {}
    # The longest matching prefix of the route's name gives the ids.
    for prefix in sorted(values, key=len, reverse=True):
        if route.name.startswith(prefix):
            given.update(values[prefix])
            break
    return given if wanted <= set(given) else None


def sweep(page, console_errors, world, routes, values, program_pk, failures) -> list[str]:  # type: ignore[no-untyped-def]
    """Every route that opens as a full HTML page passes axe; returns the names checked,
    appends what axe (or the console) found to `failures`."""
    checked: list[str] = []
    for route in routes:
        params = fill(route, values, program_pk)
        if params is None:
            continue
        url = world.base + route.url(world.alliance.slug, **params)
        # A request first (the context's cookies, no rendering): POST-only, refused and
        # file responses are left out without the browser logging a failed navigation.
        probe = page.request.get(url, max_redirects=0)
        assert probe.status < 500, f"{route.name}: {url} answered {probe.status}"
        if probe.status != 200 or not probe.headers.get("content-type", "").startswith("text/html"):
            continue
        if "<main" not in probe.text():
            continue  # an htmx fragment, checked inside its page
        page.goto(url)
        try:
            check_page(page, console_errors)
        except AssertionError as error:
            screenshot(page, f"a11y-failure-{route.name.replace(':', '-')}")
            failures.append(f"{route.name}: {error}")
            console_errors.clear()
        checked.append(route.name)
    return checked


def no_horizontal_scroll(page) -> None:  # type: ignore[no-untyped-def]
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at {page.viewport_size['width']}px"


@pytest.fixture(scope="module")
def hub_admin(journey, django_db_blocker):  # type: ignore[no-untyped-def]  # noqa: F811
    """Committed (outside the test's transaction) so the live server sees it; the journey's flush removes it."""
    with django_db_blocker.unblock():
        return member(journey.alliance, Role.HUB_ADMIN, email="admin@riverbend-e2e.test")


def test_every_page_of_hub_admins_and_providers_passes_axe(journey, hub_admin, page, console_errors):  # noqa: F811
    world, admin = journey, hub_admin
    routes = [r for r in alliance_routes() if not r.is_api and not r.route.endswith(SKIPPED_SUFFIXES)
              and "<str:token>" not in r.route]
    values = route_values(world)

    sign_in(page, world.base, admin.email, world.password, totp_secret=admin.totp_secret)
    failures: list[str] = []
    checked = set(sweep(page, console_errors, world, routes, values, world.programs[0].pk, failures))

    page.context.clear_cookies()
    sign_in(page, world.base, world.provider.email, world.password)
    # The provider: the pages the admin could not open, and their everyday pages again (their own nav).
    provider_routes = [r for r in routes if r.name not in checked or r.name in PROVIDER_PAGES]
    provider_checked = sweep(page, console_errors, world, provider_routes, values, world.programs[0].pk, failures)
    assert not failures, "\n\n".join(failures)
    assert "enrollment:attendance_sheet" in provider_checked
    checked |= set(provider_checked)
    assert len(checked) >= MIN_PAGES, f"only {len(checked)} pages checked: {sorted(checked)}"
    print(f"axe sweep: {len(checked)} distinct pages ({len(provider_checked)} as the provider)")

    # Tablet width: the provider's everyday pages do not scroll sideways.
    page.set_viewport_size(TABLET)
    day = world.today - datetime.timedelta(days=1)
    for path in (f"/programs/{world.programs[0].pk}/", f"/attendance/?day={day.isoformat()}",
                 f"/attendance/classrooms/{world.rooms[0].pk}/", "/enrollments/", "/families/",
                 "/billing/invoices/", "/my-program/figures/", f"/programs/{world.programs[0].pk}/staff/"):
        page.goto(world.a + path)
        no_horizontal_scroll(page)


def test_a_provider_sorts_a_table_by_clicking_its_headers(journey, page, console_errors):  # noqa: F811
    sign_in(page, journey.base, journey.provider.email, journey.password)
    page.goto(f"{journey.a}/billing/invoices/")
    total = page.get_by_role("columnheader", name="Total")
    total.get_by_role("button").focus()
    page.keyboard.press("Enter")  # a real button: the keyboard sorts too
    expect(total).to_have_attribute("aria-sort", "ascending")
    amounts = [money(t) for t in page.locator("table.sortable tbody tr td:nth-child(7)").all_inner_texts()]
    assert amounts == sorted(amounts) and len(amounts) > 1
    total.get_by_role("button").click()
    expect(total).to_have_attribute("aria-sort", "descending")
    amounts = [money(t) for t in page.locator("table.sortable tbody tr td:nth-child(7)").all_inner_texts()]
    assert amounts == sorted(amounts, reverse=True)

    due = page.get_by_role("columnheader", name="Due")
    due.get_by_role("button").click()
    expect(due).to_have_attribute("aria-sort", "ascending")
    expect(total).not_to_have_attribute("aria-sort", re.compile("."))
    check_page(page, console_errors)
    # The keys the script reads from cells, as the site writes numbers and dates.
    keys = page.evaluate("""() => [
        hubSortable.asNumber('$1,234.50'), hubSortable.asNumber('-$10.00'), hubSortable.asNumber('\u221285.1%'),
        hubSortable.asNumber('Riverbend'), hubSortable.asDate('2026-03-01') < hubSortable.asDate('Nov. 2, 2026'),
        hubSortable.asDate('March 9, 2026') < hubSortable.asDate('Sept. 1, 2026')]""")
    assert keys == [1234.5, -10, -85.1, None, True, True]


def money(text: str) -> Decimal:
    return Decimal(text.replace("$", "").replace(",", "").replace("\u2212", "-").strip())
