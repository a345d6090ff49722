"""Accessibility sweep of the demo: every HTML page of the Hub, for every role, through axe-core.

The demo's data (`seed_demo`, committed for the live server, flushed at the end) fills
every route's ids with real rows of program X, Riverbend's first program, through the
access matrix's machinery (tests/accessmatrix.py). Each route of tests/urlwalk.py is
requested as the hub admin, the provider of program X and the funder, each signed in
through the real sign-in page; a 200 HTML page with a <main> is opened in the browser
and must pass `check_page` (axe-core: no serious or critical violation; a clean
console). Then the pages outside /a/<slug>/: the sign-in pages, the account pages,
the alliance chooser, the public page and its inquiry form, the family page with its
sign-in link, statement and offer, and the 403 and 404 pages.

Each page is requested first (plain HTTP with the browser's cookies, no redirect
followed; the next pages' requests run ahead while the browser checks this one), and
the browser is served that same answer when it opens the page.

Every route must be either checked for at least one role or be, for every role, one
of: POST-only (405 for each role let through, the others refused), a file (not
text/html), an htmx fragment (no <main>) or a redirect. Hub staff are not swept: the
access table gives them no page the hub admin cannot open (asserted below).

A provider's everyday pages are also checked at tablet width for horizontal
scrolling (providers take attendance on tablets).
"""

from __future__ import annotations

import ast
import datetime
import http.client
import io
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from alliance.management.commands.seed_demo import DEMO_PASSWORD
from tests.access_table import A_ROLES, TABLE
from tests.e2e.conftest import TABLET, check_page, no_horizontal_scroll, screenshot, sign_in
from tests.urlwalk import alliance_routes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as tests/conftest.py sets per test
SIGN_INS = {
    "admin": "admin@riverbend.example",
    "provider": "provider@riverbend.example",
    "funder": "funder@riverbend.example",
}
CONSULTANT = "consultant@hub.example"  # hub staff of both demo alliances: the alliance chooser
MIN_PAGES = 255  # as counted when the sweep was written: admin 147, provider 75, funder 3, outside 30


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The demo, committed (the live server's thread has a connection of its own), and a live server.

    Demo hub accounts need no TOTP while the module runs (alliance/middleware.py reads the
    setting per request). Flushed once at the end, as tests/e2e/test_journeys.py does.
    """
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections
    from django.test.utils import override_settings
    from pytest_django.live_server_helper import LiveServer

    from alliance.dataexport import data_export_run
    from alliance.dates import alliance_today
    from alliance.models import Alliance, Membership
    from alliance.tenancy import alliance_scope
    from enrollment.models import Guardian, Offer, OfferStatus
    from members.models import Classroom
    from outreach.services import family_sign_in_link_send
    from tests.accessmatrix import collect_samples, rows_the_demo_lacks, url_of

    exports = tmp_path_factory.mktemp("exports")
    with (
        django_db_blocker.unblock(),
        override_settings(HUB_MFA_EXEMPT_DEMO_USERS=True, HUB_EXPORT_DIR=str(exports), PASSWORD_HASHERS=FAST_HASHERS),
    ):
        server = None
        try:
            output = io.StringIO()
            call_command("seed_demo", stdout=output)
            alliance = Alliance.objects.get(slug="riverbend")
            users = get_user_model().objects
            with alliance_scope(alliance.pk):
                program = Membership.objects.get(user__username=SIGN_INS["provider"]).program
                token = rows_the_demo_lacks(users.get(username=SIGN_INS["admin"]), program)
                samples = collect_samples(program.pk)
                data_export_run(export_id=samples.pk_of("alliance.DataExport"))  # its download is ready
                urls = {
                    route.name: url_of(route, alliance.slug, samples).replace("not-a-real-token", token)
                    for route in alliance_routes()
                    if not route.is_api
                }
                room = Classroom.objects.filter(site__program=program).order_by("pk").first()
                today = alliance_today()

                def link_for(guardian: Guardian) -> str:  # a one-time family sign-in link, as the Hub sends it
                    return family_sign_in_link_send(
                        guardian=guardian,
                        sent_by=None,
                        link_url=lambda t: reverse("public:family_sign_in_link", args=[alliance.slug, t]),
                    )

                # The family whose guardian seed_demo names for trying statements (it owes something).
                email = family_page_email(output.getvalue(), alliance.name)
                owing = Guardian.objects.filter(email__iexact=email).order_by("pk").first()
                offer = (
                    Offer.objects.filter(status=OfferStatus.OPEN, respond_by__gte=today)
                    .select_related("entry__child")
                    .order_by("pk")
                    .first()
                )
                offered = (
                    Guardian.objects.filter(family_id=offer.entry.child.family_id)
                    .exclude(email="")
                    .order_by("pk")
                    .first()
                )
                family = SimpleNamespace(owing_link=link_for(owing), offer_link=link_for(offered), offer=offer.pk)
            server = LiveServer("localhost")
            yield SimpleNamespace(
                base=server.url,
                a=f"{server.url}/a/{alliance.slug}",
                slug=alliance.slug,
                program=program,
                room=room,
                today=today,
                urls=urls,
                token=token,
                family=family,
            )
        finally:
            if server is not None:
                server.stop()
            call_command("flush", verbosity=0, interactive=False)
            # Playwright's sync API may run this in another context with a connection of its own.
            connections.close_all()


def family_page_email(seed_output: str, alliance_name: str) -> str:
    """`family_page_email` from seed_demo's line "<alliance>: outreach demo {...}"."""
    line = next(line for line in seed_output.splitlines() if line.startswith(f"{alliance_name}: outreach demo "))
    email = ast.literal_eval(line.split(" outreach demo ", 1)[1])["family_page_email"]
    assert email, "seed_demo names no guardian of a family with a balance"
    return str(email)


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str:
        return next((value for key, value in self.headers if key.lower() == name), "")


def probe(url: str, cookies: str) -> Answer:
    """GET `url` with these cookies, following no redirect.

    Plain http.client rather than Playwright's `page.request`: that costs about 45 ms a request
    here against 6 ms, and the sweep makes some 550 of them. Thread-safe, so the next pages'
    requests run while the browser checks this one (`Sweep.visit_all`).
    """
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "localhost", parts.port, timeout=60)
    try:
        connection.request(
            "GET",
            f"{parts.path}?{parts.query}" if parts.query else parts.path,
            headers={"Cookie": cookies, "Accept": "text/html,*/*"},
        )
        response = connection.getresponse()
        return Answer(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


@dataclass
class Sweep:
    """Requests, opens and checks pages; keeps what was checked for whom and what failed."""

    page: Any
    console_errors: list[str]
    checked: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def cookies(self, url: str) -> str:
        return "; ".join(f"{c['name']}={c['value']}" for c in self.page.context.cookies(url))

    def visit(self, who: str, label: str, url: str, *, status: int = 200, answer: Answer | None = None) -> str:
        """A request first (the browser's cookies, no rendering), so that POST-only actions, refusals
        and files are told apart without the browser logging a failed navigation; the page is
        opened and checked only when it answers `status` with an HTML page holding a <main>.
        Returns the outcome: "page", "file", "fragment" or the status (with a redirect's target)."""
        answer = answer or probe(url, self.cookies(url))
        if answer.status >= 500:
            self.failures.append(f"{who} {label}: {url} answered {answer.status}")
        if answer.status != status:
            return f"{answer.status} {answer.header('location')}".strip()
        if not answer.header("content-type").startswith("text/html"):
            return "file"
        if b"<main" not in answer.body:
            return "fragment"  # an htmx fragment, checked inside its page
        self.open(url, answer)
        self.check(who, label, expect_status_errors=status != 200)
        return "page"

    def open(self, url: str, answer: Answer) -> None:
        """page.goto(url), the browser served the answer the server has just given (the request's
        status, headers with their cookies and CSP, and body), so that it is not rendered twice."""
        headers: dict[str, str] = {}
        for key, value in answer.headers:
            headers[key.lower()] = f"{headers[key.lower()]}\n{value}" if key.lower() in headers else value

        def this_url(candidate: str) -> bool:
            return candidate == url

        self.page.route(
            this_url, lambda route: route.fulfill(status=answer.status, headers=headers, body=answer.body), times=1
        )
        try:
            self.page.goto(url)
        finally:
            self.page.unroute(this_url)

    def visit_all(self, who: str, pages: dict[str, str]) -> dict[str, str]:
        """`visit` each of {label: url}; the requests run ahead in a thread of their own (the
        signed-in cookies do not change meanwhile), so the server renders the next page while
        the browser checks this one."""
        cookies = self.cookies(next(iter(pages.values())))
        with ThreadPoolExecutor(max_workers=1) as ahead:
            answers = {label: ahead.submit(probe, url, cookies) for label, url in pages.items()}
            return {label: self.visit(who, label, url, answer=answers[label].result()) for label, url in pages.items()}

    def check(self, who: str, label: str, *, expect_status_errors: bool = False) -> None:
        """`check_page` on the page as it is; a failure is kept (with a screenshot), not raised."""
        if self.page.locator("[hx-trigger~='load']").count():
            self.page.wait_for_load_state("networkidle")  # panels the page loads by htmx, in place
        try:
            check_page(self.page, self.console_errors, expect_status_errors=expect_status_errors)
        except AssertionError as error:
            shot = screenshot(self.page, "a11y-" + re.sub(r"[^\w-]+", "-", f"{who}-{label}").strip("-"))
            self.failures.append(f"{who} {label}: {error}\n    screenshot: {shot}")
            self.console_errors.clear()
        self.checked[who] += 1


def category(outcomes: dict[str, str]) -> str | None:
    """What a route that no role opened as a page is, from every role's outcome; None if unexplained."""
    seen = set(outcomes.values())
    if "file" in seen:
        return "files"
    if "fragment" in seen:
        return "fragments"
    if "405" in seen and seen <= {"405", "403", "404"}:
        return "POST-only"
    # A route that sends those it lets in to another page (checked there) and refuses the rest.
    if any(o.startswith("302 ") for o in seen) and all(o.startswith("302 ") or o in {"403", "404"} for o in seen):
        return "redirects"
    return None


def test_hub_staff_reach_no_page_the_hub_admin_cannot():
    """Why the sweep signs in no hub staff: every route staff may open, the admin may too."""
    staff, admin = A_ROLES.index("staff"), A_ROLES.index("admin")
    staff_only = [name for name, row in TABLE.items() if row.split()[staff] == "200" and row.split()[admin] != "200"]
    assert staff_only == []


def test_every_page_of_the_demo_passes_axe_for_every_role(demo_site, page, console_errors):
    demo = demo_site
    sweep = Sweep(page, console_errors)
    routes = [r for r in alliance_routes() if not r.is_api]
    outcomes: dict[str, dict[str, str]] = {r.name: {} for r in routes}
    outside: list[str] = []  # pages outside /a/<slug>/ (and the error pages) that did not open

    def outside_page(label: str, path: str, *, status: int = 200) -> None:
        seen = sweep.visit("outside", label, demo.base + path, status=status)
        if seen != "page":
            outside.append(f"{label} {path}: {seen}")

    # Nobody signed in: the sign-in pages, the public page, an invitation, the 404 page.
    dob = demo.today - datetime.timedelta(days=2 * 365 + 30)  # a 2-year-old
    for label, path in [
        ("sign-in", "/accounts/login/"),
        ("password reset", "/accounts/password/reset/"),
        ("password reset sent", "/accounts/password/reset/done/"),
        ("sign-up closed", "/accounts/signup/"),
        ("public page", f"/care/{demo.slug}/"),
        ("public page for a 2-year-old", f"/care/{demo.slug}/?dob={dob.isoformat()}"),
        ("inquiry form", f"/care/{demo.slug}/inquire/"),
        ("inquiry form for a 2-year-old", f"/care/{demo.slug}/inquire/?dob={dob.isoformat()}"),
        ("inquiry thanks", f"/care/{demo.slug}/inquire/thanks/"),
        ("family sign-in", f"/family/{demo.slug}/sign-in/"),
        ("invitation", demo.urls["alliance:invitation_accept"]),
    ]:
        outside_page(label, path)
    outside_page("404 page", "/no-such-page/", status=404)

    # The inquiry form sent empty: its errors, as a family would see them.
    page.goto(f"{demo.base}/care/{demo.slug}/inquire/")
    page.get_by_role("button", name="Send my inquiry").click()
    page.wait_for_load_state()
    sweep.check("outside", "inquiry form with errors", expect_status_errors=True)
    if not page.locator("main .has-error").count():
        outside.append("inquiry form with errors (none shown)")

    # The family page: a one-time link (a button, so mail scanners do not use it up), the
    # family's page, its statement; then a family with an open offer, and the offer.
    for link in (demo.family.owing_link, demo.family.offer_link):
        page.context.clear_cookies()
        outside_page("family sign-in link", link)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        if page.url != f"{demo.base}/family/{demo.slug}/":
            outside.append(f"family sign-in link {link} led to {page.url}")
        sweep.check("outside", "family page")
        if link == demo.family.owing_link:  # the autopay sign-up of the family that owes
            page.get_by_role("link", name=re.compile("Set up autopay|Change bank account")).first.click()
            page.wait_for_load_state()
            sweep.check("outside", "family autopay")
    outside_page("family offer", f"/family/{demo.slug}/offers/{demo.family.offer}/")
    outside_page("family statement", f"/family/{demo.slug}/statement/")

    # Every route as each role, signed in through the sign-in page.
    for who, email in SIGN_INS.items():
        page.context.clear_cookies()
        sign_in(page, demo.base, email, DEMO_PASSWORD)
        assert "/accounts/login/" not in page.url, f"{email} could not sign in"
        seen = sweep.visit_all(who, {route.name: demo.base + demo.urls[route.name] for route in routes})
        for name, outcome in seen.items():
            outcomes[name][who] = outcome
        if who == "admin":  # the account pages (one template set for everyone) and the signed-in 404
            for label, path in [
                ("API tokens", "/accounts/tokens/"),
                ("email addresses", "/accounts/email/"),
                ("password change", "/accounts/password/change/"),
                ("two-factor", "/accounts/2fa/"),
                ("sign out", "/accounts/logout/"),
                ("confirm password", "/accounts/reauthenticate/?next=/accounts/2fa/totp/activate/"),
            ]:
                outside_page(label, path)
            # Setting up TOTP asks for the password again (the page just checked), then shows its QR code.
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Confirm").click()
            page.wait_for_url("**/accounts/2fa/totp/activate/")
            sweep.check("outside", "TOTP set-up")
            outside_page("404 page, signed in", f"/a/{demo.slug}/no-such-page/", status=404)
        if who == "provider":
            outside_page("403 page", demo.urls["alliance:settings"], status=403)

    page.context.clear_cookies()
    sign_in(page, demo.base, CONSULTANT, DEMO_PASSWORD)
    outside_page("alliance chooser", "/")
    outside_page("alliance switcher", f"/a/{demo.slug}/dashboard/")

    not_pages: dict[str, list[str]] = {}
    unexplained = []
    for route in routes:
        seen = outcomes[route.name]
        if "page" in seen.values():
            continue
        kind = category(seen)
        if kind is None:
            unexplained.append(f"{route.name} {demo.urls[route.name]}: {seen}")
        else:
            not_pages.setdefault(kind, []).append(route.name)
    pages = sum(sweep.checked.values())
    summary = (
        f"axe sweep on the demo: {pages} pages ("
        + ", ".join(f"{who} {sweep.checked[who]}" for who in (*SIGN_INS, "outside"))
        + "); not pages: "
        + ", ".join(f"{len(names)} {kind}" for kind, names in sorted(not_pages.items()))
    )
    print(summary)
    for kind, names in sorted(not_pages.items()):
        print(f"  {kind}: {' '.join(sorted(names))}")
    problems = (
        sweep.failures
        + [f"outside /a/<slug>/, not a page: {what}" for what in outside]
        + [f"neither checked nor explained: {what}" for what in unexplained]
    )
    assert not problems, f"{len(problems)} problems ({summary}):\n\n" + "\n\n".join(problems)
    assert pages >= MIN_PAGES, summary


def test_a_providers_everyday_pages_do_not_scroll_sideways_on_a_tablet(demo_site, page):
    demo = demo_site
    page.set_viewport_size(TABLET)
    sign_in(page, demo.base, SIGN_INS["provider"], DEMO_PASSWORD)
    yesterday = demo.today - datetime.timedelta(days=1)
    program = demo.program.pk
    for path in (
        f"/programs/{program}/",
        f"/attendance/?day={yesterday.isoformat()}",
        f"/attendance/classrooms/{demo.room.pk}/",
        "/enrollments/",
        "/families/",
        "/billing/invoices/",
        "/billing/runs/preview/",
        "/my-program/figures/",
        f"/programs/{program}/staff/",
        f"/programs/{program}/cost-of-care/",
        f"/programs/{program}/budget/{demo.today.year}/",
        f"/programs/{program}/budget/{demo.today.year}/edit/",
    ):
        response = page.goto(demo.a + path)
        assert response is not None, path
        assert response.status == 200, f"{path}: {response.status}"
        no_horizontal_scroll(page)
