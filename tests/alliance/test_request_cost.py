"""What a request costs: the per-request work done once, sessions from the cache, queue time logged.

Issue 21 point 2: each request used to read the user's memberships three times (MFA middleware,
the page's alliance, the navigation), each with its own scope set-up, read its session row and
write it back (the hub roles' sliding idle timeout). These tests pin what is left.
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.observability import queue_ms
from tests.alliance.test_observability import captured_log_lines


def statements(queries: CaptureQueriesContext, word: str) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if word in q["sql"]]


class TestProductionDefaults:
    def test_sessions_come_from_the_cache_and_connections_are_checked_before_reuse(self):
        assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
        assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


class TestOncePerRequest:
    def test_a_page_reads_the_memberships_once_and_no_session_row(self, world, clients):
        clients.staff_a.get(f"/a/{world.a.slug}/audit/")  # the session is now in the cache
        with CaptureQueriesContext(connection) as queries:
            response = clients.staff_a.get(f"/a/{world.a.slug}/audit/")
        assert response.status_code == 200
        assert len(statements(queries, 'FROM "alliance_membership"')) == 1
        assert statements(queries, "django_session") == []
        # The navigation still lists the user's alliance.
        assert world.a.name in response.content.decode()

    def test_an_api_call_reads_the_memberships_once(self, world, clients):
        clients.staff_a.get(f"/api/a/{world.a.slug}/audit-events/")
        with CaptureQueriesContext(connection) as queries:
            response = clients.staff_a.get(f"/api/a/{world.a.slug}/audit-events/")
        assert response.status_code == 200
        assert len(statements(queries, 'FROM "alliance_membership"')) == 1

    def test_another_alliance_is_still_404_and_an_ended_membership_shows_on_the_next_request(self, world, clients):
        assert clients.staff_a.get(f"/a/{world.b.slug}/audit/").status_code == 404
        assert clients.staff_a.get(f"/a/{world.a.slug}/audit/").status_code == 200
        from alliance.models import Membership
        from alliance.tenancy import alliance_scope

        with alliance_scope(world.a.pk):
            Membership.objects.filter(user=world.users.staff_a).update(is_active=False)
        assert clients.staff_a.get(f"/a/{world.a.slug}/audit/").status_code == 404
        assert clients.staff_a.get(f"/api/a/{world.a.slug}/audit-events/").status_code == 404


class TestSlidingIdleTimeout:
    def test_the_memberships_read_from_compiled_sql_are_the_orms_own(self, world):
        """memberships_of runs the ORM's SQL compiled once per process and builds the rows itself:
        the same memberships (ended ones left out), the same fields, each with its alliance, by name."""
        from alliance.access import memberships_of
        from alliance.models import Membership, Role
        from alliance.tenancy import alliance_scope, user_scope
        from tests.factories import MembershipFactory

        user = world.users.provider_x
        with alliance_scope(world.b.pk):
            MembershipFactory(alliance=world.b, user=user, role=Role.HUB_STAFF)
        zed = type(world.a).objects.create(name="Zed Alliance", slug="zed")
        with alliance_scope(zed.pk):
            MembershipFactory(alliance=zed, user=user, role=Role.FUNDER, is_active=False)
        with user_scope(user.pk):
            expected = list(Membership.objects.for_user(user.pk).select_related("alliance").order_by("alliance__name"))
        with CaptureQueriesContext(connection) as queries:
            got = memberships_of(user)
        assert len(statements(queries, 'FROM "alliance_membership"')) == 1
        assert [(m.alliance.name, m.role, m.program_id) for m in got] == [
            ("Alliance A", Role.PROVIDER, world.x.pk),
            ("Alliance B", Role.HUB_STAFF, None),
        ]
        assert [m.__dict__.keys() - {"_state"} for m in got] == [m.__dict__.keys() - {"_state"} for m in expected]
        for mine, orm in zip(got, expected, strict=True):
            assert {k: v for k, v in mine.__dict__.items() if k != "_state"} == {
                k: v for k, v in orm.__dict__.items() if k != "_state"
            }
            assert {k: v for k, v in mine.alliance.__dict__.items() if k != "_state"} == {
                k: v for k, v in orm.alliance.__dict__.items() if k != "_state"
            }
            assert not mine._state.adding
            assert mine._state.db == "default"

    def test_the_session_is_renewed_once_a_minute_not_on_every_page(self, world, clients, monkeypatch):
        """Hub staff idle out after HUB_STAFF_SESSION_IDLE_MINUTES; renewing it writes the session,
        so a page within a minute of the last renewal writes nothing."""
        page = f"/a/{world.a.slug}/audit/"
        clients.staff_a.get(page)
        with CaptureQueriesContext(connection) as queries:
            clients.staff_a.get(page)
        assert statements(queries, "django_session") == []
        assert clients.staff_a.session.get_expiry_age() == settings.HUB_STAFF_SESSION_IDLE_MINUTES * 60

        later = time.time() + 61
        monkeypatch.setattr(time, "time", lambda: later)
        with CaptureQueriesContext(connection) as queries:
            clients.staff_a.get(page)
        assert len(statements(queries, 'UPDATE "django_session"')) == 1


class TestQueueTime:
    @pytest.mark.parametrize(
        ("header", "now", "expected"),
        [
            ("t=1765000000.123", 1765000000.373, 250.0),  # nginx's ${msec}: seconds, to the millisecond
            ("t=1765000000123", 1765000000.373, 250.0),  # milliseconds
            ("t=1765000000123000", 1765000000.373, 250.0),  # microseconds
            ("1765000000.5", 1765000000.5, 0.0),
            ("t=1765000000.500", 1765000000.4, 0.0),  # the proxy's clock a little ahead: no negative wait
            ("t=1765000000.0", 1765009000.0, None),  # 2.5 hours: a wrong clock, not a queue
            ("t=soon", 1765000000.0, None),
            ("", 1765000000.0, None),
            (None, 1765000000.0, None),
        ],
    )
    def test_the_proxy_stamp_is_read_in_its_units(self, header, now, expected):
        result = queue_ms(header, now)
        if expected is None:
            assert result is None
        else:
            assert result == pytest.approx(expected, abs=0.1)

    def test_the_request_line_logs_queue_ms_beside_duration_ms(self, world, clients):
        stamp = f"t={time.time() - 0.5:.3f}"  # nginx took it half a second ago
        with captured_log_lines() as lines:
            response = clients.staff_a.get(f"/a/{world.a.slug}/audit/", HTTP_X_REQUEST_START=stamp)
        assert response.status_code == 200
        (line,) = [li for li in lines if li["logger"] == "hub.request"]
        assert 500 <= line["queue_ms"] < 5000
        assert line["duration_ms"] >= 0

    def test_without_a_proxy_stamp_there_is_no_queue_ms(self, world, clients):
        with captured_log_lines() as lines:
            clients.staff_a.get(f"/a/{world.a.slug}/audit/")
        (line,) = [li for li in lines if li["logger"] == "hub.request"]
        assert "queue_ms" not in line

    def test_nginx_stamps_every_request_it_passes_on(self):
        from tests.worker import ROOT

        site = (ROOT / "docker" / "nginx.conf").read_text()
        assert 'proxy_set_header X-Request-Start "t=${msec}";' in site


class TestKeptAddresses:
    """`{% url %}` keeps its answers per process (alliance/reversing.py) and answers as Django does."""

    def test_links_are_the_addresses_django_reverses_and_are_kept(self):
        from django.template import Context, Template, TemplateSyntaxError
        from django.urls import NoReverseMatch, reverse

        from alliance.reversing import _reverse_kept

        _reverse_kept.cache_clear()
        page = Template(
            "{% url 'alliance:home' slug %}|{% url 'members:program_detail' slug 7 %}"
            "|{% url 'members:program_detail' alliance_slug=slug program_pk=7 as link %}[{{ link }}]"
        )
        expected = (
            f"{reverse('alliance:home', args=['river-bend'])}"
            f"|{reverse('members:program_detail', args=['river-bend', 7])}"
            f"|[{reverse('members:program_detail', kwargs={'alliance_slug': 'river-bend', 'program_pk': 7})}]"
        )
        assert expected == "/a/river-bend/|/a/river-bend/programs/7/|[/a/river-bend/programs/7/]"
        assert page.render(Context({"slug": "river-bend"})) == expected
        assert page.render(Context({"slug": "river-bend"})) == expected
        assert _reverse_kept.cache_info().hits == 3
        # A name that does not resolve still fails the page, and is not kept.
        with pytest.raises(NoReverseMatch):
            Template("{% url 'alliance:home' %}").render(Context({}))
        with pytest.raises(TemplateSyntaxError):
            Template("{% url %}")

    def test_an_argument_that_is_not_a_plain_id_or_slug_is_reversed_each_time(self):
        from decimal import Decimal

        from django.template import Context, Template
        from django.urls import reverse

        from alliance.reversing import _reverse_kept

        _reverse_kept.cache_clear()
        rendered = Template("{% url 'members:program_detail' 'x' pk %}").render(Context({"pk": Decimal(12)}))
        assert rendered == reverse("members:program_detail", args=["x", 12])
        assert _reverse_kept.cache_info().currsize == 0


class TestCacheClient:
    def test_one_redis_client_per_connection_pool(self):
        from django.core.cache import cache

        cache.set("request-cost-probe", 5, 10)
        assert cache.get("request-cost-probe") == 5
        client = cache._cache.get_client()
        assert cache._cache.get_client() is client
        assert cache._cache.get_client(write=True) is client  # one server: reads and writes share its pool
        cache.delete("request-cost-probe")


class TestIdsAsOneArray:
    def test_any_finds_what_in_finds_with_one_placeholder_and_no_query_when_empty(self, world):
        from alliance.models import Membership
        from alliance.tenancy import alliance_scope

        users = [world.users.admin_a.pk, world.users.staff_a.pk, world.users.admin_b.pk, None]
        with alliance_scope(world.a.pk):
            expected = sorted(Membership.objects.filter(user_id__in=users).values_list("pk", flat=True))
            with CaptureQueriesContext(connection) as queries:
                got = sorted(Membership.objects.filter(user__any=users).values_list("pk", flat=True))
                assert list(Membership.objects.filter(user_id__any=[])) == []
        # Alliance A's admin and staff (alliance B's admin is another alliance's); an empty list asks nothing.
        assert len(expected) == 2
        assert got == expected
        assert len(queries.captured_queries) == 1
        assert "= ANY(" in queries.captured_queries[0]["sql"]
        with pytest.raises(TypeError):
            Membership.objects.filter(user_id__any=[True])


@pytest.mark.django_db(transaction=True)
class TestTheRequestsOwnTransaction:
    """In production a view runs directly in its request's transaction (ATOMIC_REQUESTS), with
    no test transaction around it: the page's scope is that transaction (no savepoint, no
    settings set back) and the memberships are read in one message before it."""

    def test_a_page_reads_memberships_in_one_message_and_opens_no_savepoint(self, world, clients):
        url = f"/a/{world.a.slug}/audit/"
        clients.staff_a.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = clients.staff_a.get(url)
        assert response.status_code == 200
        assert world.a.name in response.content.decode()
        sql = [q["sql"] for q in queries.captured_queries]
        assert [s for s in sql if "SAVEPOINT" in s] == []
        reads = [s for s in sql if 'FROM "alliance_membership"' in s]
        assert len(reads) == 1
        assert reads[0].startswith("SELECT set_config('app.user_id', '")
        # The alliance's setting once, never set back.
        assert len([s for s in sql if "set_config('app.alliance_id'" in s]) == 1
        assert connection.get_autocommit()  # the request's transaction ended with it
        # Another alliance is still a 404, on a page and in the API.
        assert clients.staff_a.get(f"/a/{world.b.slug}/audit/").status_code == 404
        assert clients.staff_a.get(f"/api/a/{world.b.slug}/audit-events/").status_code == 404

    def test_an_api_error_after_a_write_leaves_nothing_written(self, world, clients, monkeypatch):
        from rest_framework.exceptions import ValidationError

        from alliance.tenancy import alliance_scope
        from enrollment.api_families import FamilyViewSet
        from enrollment.models import Family

        original = FamilyViewSet.perform_create

        def write_then_refuse(self, serializer):  # type: ignore[no-untyped-def]
            original(self, serializer)
            raise ValidationError({"name": ["Refused after the family was written."]})

        monkeypatch.setattr(FamilyViewSet, "perform_create", write_then_refuse)
        response = clients.staff_a.post(
            f"/api/a/{world.a.slug}/families/", {"name": "Written Then Refused"}, content_type="application/json"
        )
        assert response.status_code == 400
        assert response.json()["name"] == ["Refused after the family was written."]
        with alliance_scope(world.a.pk):
            assert not Family.objects.filter(name="Written Then Refused").exists()
        # The next request on the same connection works as usual.
        assert clients.staff_a.get(f"/api/a/{world.a.slug}/families/").status_code == 200

    def test_a_page_error_after_a_write_leaves_nothing_written(self, world, clients, monkeypatch):
        from alliance.audit import audit_event_record
        from alliance.models import AuditEvent
        from alliance.views import AuditEventListView

        written: list[int] = []

        def write_then_fail(self, **kwargs):  # type: ignore[no-untyped-def]
            written.append(audit_event_record(actor=self.request.user, action="test.written", target=self.alliance).pk)
            raise RuntimeError("the page failed after writing")

        monkeypatch.setattr(AuditEventListView, "get_context_data", write_then_fail)
        clients.staff_a.raise_request_exception = False
        response = clients.staff_a.get(f"/a/{world.a.slug}/audit/")
        assert response.status_code == 500
        assert len(written) == 1  # the row was written, then the page failed
        from alliance.tenancy import alliance_scope

        with alliance_scope(world.a.pk):
            kept = audit_event_record(actor=world.users.staff_a, action="test.kept", target=world.a)
            assert AuditEvent.objects.filter(pk=kept.pk).exists()  # an event that was committed reads back
            assert not AuditEvent.objects.filter(pk=written[0]).exists()


def test_resolving_collects_the_patterns_tried_only_for_the_debug_page(settings):
    """Every app's pages share the /a/<slug>/ prefix: with DEBUG off a request no longer builds
    the list of every pattern tried before its own (only the debug 404 page shows it)."""
    from django.urls import Resolver404, resolve

    match = resolve("/a/alliance-a/billing/aging/")
    assert (match.namespace, match.url_name, match.kwargs) == ("billing", "aging", {"alliance_slug": "alliance-a"})
    settings.DEBUG = False
    with pytest.raises(Resolver404) as quiet:
        resolve("/a/alliance-a/no-such-page/")
    settings.DEBUG = True
    with pytest.raises(Resolver404) as listed:
        resolve("/a/alliance-a/no-such-page/")
    # The root level still lists its own few (Django's root resolver); the apps' hundreds are not built.
    assert len(quiet.value.args[0]["tried"]) < 40 < 200 < len(listed.value.args[0]["tried"])
