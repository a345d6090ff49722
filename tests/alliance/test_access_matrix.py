"""The access matrix: every page and endpoint, every role of two alliances and anonymous, from one table.

`tests/access_table.py` says, for every named URL under /a/<slug>/ and
/api/a/<slug>/, what each role of alliance A must get on GET (200, 302, 403,
404, 405). Every role of alliance B must get 404 on GET and POST, an unknown
alliance is 404, and an anonymous visitor is sent to sign in (401 from the
API) unless the table names the route public. A route without a row fails the
test, which prints the outcomes it saw for that route so a reviewer can check
them and add the row.

The matrix runs on the demo data (seed_demo, once for the module, rolled back
at the end); tests/accessmatrix.py fills each route's parameters with a real
object of program X (Riverbend's first program). The same module also checks
that seed_demo is idempotent and that every demo sign-in works, so the demo
is built once for both.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings

from alliance.disclosure import MIN_MEMBERS
from alliance.management.commands.seed_demo import DEMO_OPERATOR, DEMO_PASSWORD, demo_sign_ins
from alliance.models import Alliance, Membership, Role
from alliance.tenancy import alliance_scope
from members.models import MemberProgram, ProgramStatus
from metrics.selectors import members_with_figures_by_month
from tests.access_table import A_ROLES, OPERATOR_TABLE, PUBLIC, TABLE
from tests.accessmatrix import collect_samples, pk_label, rows_the_demo_lacks, url_of
from tests.urlwalk import alliance_routes, operator_routes

ROUTES = alliance_routes()
B_ROLES = ["admin_b", "staff_b", "provider_b", "funder_b"]


def counts() -> dict[str, int]:
    result = {"users": get_user_model().objects.count()}
    for alliance in Alliance.objects.all():
        with alliance_scope(alliance.pk):
            result[f"{alliance.slug}_programs"] = MemberProgram.objects.count()
            result[f"{alliance.slug}_members"] = Membership.objects.count()
    return result


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The demo's data and sign-ins, built once for this module and rolled back after it."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as tests/conftest.py, for the whole module
    with django_db_blocker.unblock(), override_settings(HUB_MFA_EXEMPT_DEMO_USERS=True, PASSWORD_HASHERS=fast):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed_demo", stdout=open("/dev/null", "w"))
            _check_deferred_constraints_now()
            first_counts = counts()
            users = {email: get_user_model().objects.get(username=email) for email, _, _ in demo_sign_ins()}
            a, b = Alliance.objects.get(slug="riverbend"), Alliance.objects.get(slug="cascade")
            with alliance_scope(a.pk):
                provider_x = users["provider@riverbend.example"]
                program_x = Membership.objects.get(user=provider_x).program
                program_y = MemberProgram.objects.exclude(pk=program_x.pk).order_by("pk").first()
                other = get_user_model().objects.create(
                    username="provider-y@riverbend.example", email="provider-y@riverbend.example"
                )
                Membership.objects.create(user=other, role=Role.PROVIDER, program=program_y)
                rows_the_demo_lacks(users["admin@riverbend.example"], program_x)
                samples = collect_samples(program_x.pk)
            _check_deferred_constraints_now()
            actors = {
                "admin": users["admin@riverbend.example"],
                "staff": users["staff@riverbend.example"],
                "provider_x": provider_x,
                "provider_y": other,
                "funder": users["funder@riverbend.example"],
                "admin_b": users["admin@cascade.example"],
                "staff_b": users["staff@cascade.example"],
                "provider_b": users["provider@cascade.example"],
                "funder_b": users["funder@cascade.example"],
                "operator": get_user_model().objects.get(username=DEMO_OPERATOR),
            }
            yield SimpleNamespace(
                a=a,
                b=b,
                samples=samples,
                first_counts=first_counts,
                clients={name: _client(user) for name, user in actors.items()},
            )
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _check_deferred_constraints_now() -> None:
    """Fire the seed's deferred foreign-key checks once, in the module's transaction. Django's TestCase
    checks deferred constraints when each test ends, inside the test's savepoint, whose rollback would
    queue the whole seed's checks again for the next test (about 3.5 s a test)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def outcome(response) -> str:  # type: ignore[no-untyped-def]
    return str(response.status_code)


def observed_row(demo, route) -> str:  # type: ignore[no-untyped-def]
    url = url_of(route, demo.a.slug, demo.samples)
    return " ".join(outcome(demo.clients[role].get(url)) for role in A_ROLES)


def test_every_route_has_a_row_in_the_table(demo, db):
    missing = {route.name: observed_row(demo, route) for route in ROUTES if route.name not in TABLE}
    stale = set(TABLE) - {route.name for route in ROUTES}
    assert not missing, (
        "Routes without a row in tests/access_table.py. Outcomes seen (" + " ".join(A_ROLES) + "); check "
        "them and add the rows:\n" + "\n".join(f'    "{name}": "{row}",' for name, row in sorted(missing.items()))
    )
    assert not stale, f"Rows for routes that no longer exist: {sorted(stale)}"


def test_roles_of_alliance_a_get_what_the_table_says(demo, db):
    wrong = {}
    for route in ROUTES:
        if route.name not in TABLE:
            continue
        seen = observed_row(demo, route)
        if seen != TABLE[route.name]:
            url = url_of(route, demo.a.slug, demo.samples)
            wrong[route.name] = f"table {TABLE[route.name]!r}, seen {seen!r} at {url}"
    assert not wrong, "\n".join(f"{name}: {why}" for name, why in sorted(wrong.items()))


def test_every_route_is_tried_with_a_real_object(demo, db):
    """A route with an id is tried with a real row of alliance A, or the 200s above would mean nothing."""
    unresolved = {
        route.name for route in ROUTES if "<int:pk>" in route.route and not demo.samples.pk_of(pk_label(route) or "")
    }
    assert not unresolved, f"No sample row for: {sorted(unresolved)} (tests/accessmatrix.py)"


def test_every_role_of_alliance_b_gets_404_on_every_route(demo, db):
    """Every role of alliance B, on alliance A's URLs with alliance A's real ids: GET as each role, POST as
    a hub admin and a provider (the alliance is refused before any role is looked at)."""
    leaks = {}
    for route in ROUTES:
        url = url_of(route, demo.a.slug, demo.samples)
        for role, method in [*((role, "GET") for role in B_ROLES), ("admin_b", "POST"), ("provider_b", "POST")]:
            status = demo.clients[role].generic(method, url).status_code
            if status != 404:
                leaks[(route.name, role, method)] = status
    assert not leaks, leaks


def test_unknown_alliances_are_404_and_anonymous_visitors_sign_in(demo, db):
    wrong = {}
    anonymous = Client()
    for route in ROUTES:
        if demo.clients["admin"].get(url_of(route, "no-such-alliance", demo.samples)).status_code != 404:
            wrong[(route.name, "unknown alliance")] = "not 404"
        if route.name in PUBLIC:
            continue
        response = anonymous.get(url_of(route, demo.a.slug, demo.samples))
        if route.is_api:
            if response.status_code != 401:
                wrong[(route.name, "anonymous")] = response.status_code
        elif response.status_code != 302 or not response["Location"].startswith("/accounts/login/"):
            wrong[(route.name, "anonymous")] = response.status_code
    assert not wrong, wrong


def test_the_table_keeps_the_rules_of_design(demo):
    """Rules the table itself must keep, whatever a later row says."""
    broken = []
    for name, row in TABLE.items():
        seen = dict(zip(A_ROLES, row.split(), strict=True))
        route = next((r for r in ROUTES if r.name == name), None)
        program_object = route is not None and (
            "<int:program_pk>" in route.route
            or (
                pk_label(route) is not None
                and demo.samples.rows.get(pk_label(route)) is not None
                and getattr(type(demo.samples.rows[pk_label(route)]), "program_field", None)
            )
        )
        # A provider never sees another program's row.
        if program_object and seen["provider_y"] == "200" and not name.startswith("api:"):
            broken.append(f"{name}: provider of another program gets 200")
        # Funders see aggregate pages only: never a family, child, invoice, payment or staff row.
        if seen["funder"] == "200" and any(
            word in name
            for word in (
                "family",
                "child",
                "invoice",
                "payment",
                "staff",
                "guardian",
                "enrollment",
                "attendance",
                "account",
                "ledger",
                "inquir",
            )
        ):
            broken.append(f"{name}: funder gets 200")
        # Hub staff may do what a provider may do (but a provider's own "my program" pages); a hub admin
        # what hub staff may do.
        if seen["provider_x"] == "200" and seen["staff"] == "403" and ":my_" not in name:
            broken.append(f"{name}: provider allowed where hub staff is not")
        if seen["staff"] == "200" and seen["admin"] == "403":
            broken.append(f"{name}: hub staff allowed where the hub admin is not")
    assert not broken, broken


def test_what_the_funder_rows_open_keeps_the_disclosure_rule(demo, db):
    """Every API route the table opens to a funder answers aggregates under the one disclosure rule
    (alliance/disclosure.py): each row says whether it is withheld, a withheld row has every figure null,
    and a row shown is made of at least three members' figures (tests/security/test_disclosure.py tries
    small alliances)."""
    funder = A_ROLES.index("funder")
    checked, wrong = 0, []
    with alliance_scope(demo.a.pk):
        members = {
            finance: members_with_figures_by_month(finance=finance) for finance in (False, True)
        }  # the members behind each month, as the rule counts them
    for route in ROUTES:
        if not route.is_api or TABLE.get(route.name, "").split()[funder] != "200":
            continue
        data = demo.clients["funder"].get(url_of(route, demo.a.slug, demo.samples)).json()
        rows = data["results"] if isinstance(data, dict) and "results" in data else data
        for row in rows if isinstance(rows, list) else [rows]:
            checked += 1
            if "years" in row:  # the Hub's plan (sustainability/funder-view): over the alliance's active members
                with alliance_scope(demo.a.pk):
                    active = MemberProgram.objects.filter(status=ProgramStatus.ACTIVE).count()
                fees = [y[k] for y in row["years"] for k in ("fees", "surplus") if y[k] is not None]
                if (row["suppressed_reason"] is None) != (active >= MIN_MEMBERS) or (row["suppressed_reason"] and fees):
                    wrong.append(f"{route.name}: {active} members, {row['suppressed_reason']!r}, {fees}")
                continue
            count = members["finance" in route.name].get(datetime.date.fromisoformat(row["month"]), 0)
            figures = {k for k, v in row.items() if v is not None} - {"id", "month", "suppressed_reason"}
            if "suppressed_reason" not in row:
                wrong.append(f"{route.name}: no suppressed_reason")
            elif (row["suppressed_reason"] is None) != (count >= MIN_MEMBERS) or (row["suppressed_reason"] and figures):
                wrong.append(f"{route.name} {row['month']}: {count} members, {row['suppressed_reason']!r}, {figures}")
    assert checked
    assert not wrong, wrong


@pytest.mark.parametrize("email", sorted({email for email, _, _ in demo_sign_ins()}))
def test_every_demo_sign_in_reaches_its_landing_page(demo, db, email):
    client = Client()
    with override_settings(HUB_MFA_EXEMPT_DEMO_USERS=True):
        client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
        landing = client.get("/", follow=True)
    assert landing.status_code == 200, email
    assert client.session.get("_auth_user_id"), email
    # One alliance: straight to its landing page; several (the consultant): the list to choose from.
    assert (
        landing.redirect_chain[-1][0].startswith("/a/")
        if landing.redirect_chain
        else (b"/a/riverbend/" in landing.content and b"/a/cascade/" in landing.content)
    )


def test_seed_demo_is_idempotent(demo, db):
    with override_settings(HUB_MFA_EXEMPT_DEMO_USERS=True):
        call_command("seed_demo", stdout=open("/dev/null", "w"))
    again = counts()
    again["users"] -= 1  # provider Y, added by this module
    again["riverbend_members"] -= 1
    assert again == demo.first_counts
    assert demo.first_counts["riverbend_programs"] == 12
    assert demo.first_counts["cascade_programs"] == 4
    assert demo.first_counts["users"] == len({email for email, _, _ in demo_sign_ins()}) + 1  # and the operator


def test_the_demo_operator_signs_in_to_the_console(demo, db):
    client = Client()
    with override_settings(HUB_MFA_EXEMPT_DEMO_USERS=True):
        client.post("/accounts/login/", {"login": DEMO_OPERATOR, "password": DEMO_PASSWORD})
        landing = client.get("/", follow=True)
    assert landing.redirect_chain[-1][0] == "/operator/"
    assert b"Riverbend Early Learning Alliance" in landing.content


# --- The platform operator's console ----------------------------------------------------------------------
OPERATOR_ROUTES = operator_routes()


def operator_url(route, demo) -> str:  # type: ignore[no-untyped-def]
    return "/" + route.route.replace("<slug:alliance_slug>", demo.a.slug)


def test_every_operator_route_has_a_row_and_the_operator_gets_what_it_says(demo, db):
    assert OPERATOR_ROUTES, "no operator routes found"
    assert {r.name for r in OPERATOR_ROUTES} == set(OPERATOR_TABLE), "tests/access_table.py: OPERATOR_TABLE"
    seen = {r.name: str(demo.clients["operator"].get(operator_url(r, demo)).status_code) for r in OPERATOR_ROUTES}
    assert seen == OPERATOR_TABLE


def test_the_console_is_404_for_every_alliance_role_and_sign_in_for_visitors(demo, db):
    wrong = {}
    for route in OPERATOR_ROUTES:
        url = operator_url(route, demo)
        for role in [*A_ROLES, *B_ROLES]:
            for method in ("GET", "POST"):
                status = demo.clients[role].generic(method, url).status_code
                if status != 404:
                    wrong[(route.name, role, method)] = status
        anonymous = Client().get(url)
        if anonymous.status_code != 302 or not anonymous["Location"].startswith("/accounts/login/"):
            wrong[(route.name, "anonymous", "GET")] = anonymous.status_code
    assert not wrong, wrong
    assert not Alliance.objects.filter(suspended_at__isnull=False).exists()


def test_the_operator_gets_404_on_every_alliance_page_and_endpoint(demo, db):
    """The operator holds no membership: every page and endpoint of the alliance (families', children's
    among them) is 404, as for another alliance's users."""
    leaks = {}
    for route in ROUTES:
        status = demo.clients["operator"].get(url_of(route, demo.a.slug, demo.samples)).status_code
        if status != 404:
            leaks[route.name] = status
    assert not leaks, leaks
