"""The cost of care API: the figures of the page (tests/costofcare/test_pages.py's worked example:
$2,165.16 per infant at a rate of $1,752.66, a gap of −$412.50) and the assumptions it changes."""

from __future__ import annotations

import json

from alliance.models import AuditEvent
from alliance.tenancy import alliance_scope
from costofcare.models import CostOfCareAssumptions


def api(world, path: str) -> str:  # type: ignore[no-untyped-def]
    return f"/api/a/{world.a.slug}/cost-of-care/{path}"


def patch(client, path: str, body: object):  # type: ignore[no-untyped-def]
    return client.patch(path, json.dumps(body), content_type="application/json")


def test_a_program_s_figures(world, clients, infant_centre):
    body = clients.provider_x.get(api(world, f"{world.x.pk}/")).json()
    infant = next(g for g in body["groups"] if g["age_group"] == "infant")
    assert (infant["classroom"], infant["total"], infant["rate"], infant["gap_at_rate"]) == (
        "1040.16",
        "2165.16",
        "1752.66",
        "-412.50",
    )
    assert body["losses"][0].startswith("Program X loses $412.50 on every infant")
    assert body["assumptions_used"]["hourly_wage"] == "16.00"
    assert body["defaults"]["hourly_wage"]["source"] == "the roster's 2 classroom staff"
    assert body["typed"] is None


def test_bad_assumptions_are_400_by_field_and_change_nothing(world, clients, infant_centre):
    response = patch(
        clients.provider_x,
        api(world, f"{world.x.pk}/assumptions/"),
        {"hourly_wage": 18, "infant_children_per_staff": 9},
    )
    assert response.status_code == 400
    assert set(response.json()) == {"hourly_wage"}  # the wrong JSON type first
    response = patch(clients.provider_x, api(world, f"{world.x.pk}/assumptions/"), {"infant_children_per_staff": 9})
    assert response.status_code == 400
    assert list(response.json()) == ["infant_children_per_staff"]
    response = patch(clients.provider_x, api(world, f"{world.x.pk}/assumptions/"), {"wage": "18.00"})
    assert response.json() == {"wage": ["Not a field of this request."]}
    with alliance_scope(world.a.pk):
        assert not CostOfCareAssumptions.objects.exists()


def test_changing_assumptions_changes_the_figures(world, clients, infant_centre):
    response = patch(clients.provider_x, api(world, f"{world.x.pk}/assumptions/"), {"hourly_wage": "18.00"})
    assert response.status_code == 200, response.json()
    assert response.json()["hourly_wage"] == "18.00"
    body = clients.provider_x.get(api(world, f"{world.x.pk}/")).json()
    assert next(g for g in body["groups"] if g["age_group"] == "infant")["total"] == "2295.18"
    put = clients.staff_a.put(
        api(world, f"{world.x.pk}/assumptions/"),
        json.dumps({"benefits_percent": "25.00"}),
        content_type="application/json",
    )
    assert put.json()["hourly_wage"] is None  # PUT replaces: what is not given is blank again
    with alliance_scope(world.a.pk):
        assert AuditEvent.objects.filter(action__startswith="cost_of_care.").count() == 2


def test_it_validates_ownership(world, clients, infant_centre):
    assert clients.provider_y.get(api(world, f"{world.x.pk}/")).status_code == 404
    assert (
        patch(clients.provider_y, api(world, f"{world.x.pk}/assumptions/"), {"hourly_wage": "1.00"}).status_code == 404
    )
    assert clients.staff_b.get(api(world, f"{world.x.pk}/")).status_code == 404
    assert clients.provider_x.get(api(world, "")).status_code == 403
    assert clients.funder_a.get(api(world, f"{world.x.pk}/")).status_code == 403
    listing = clients.staff_a.get(api(world, "")).json()
    assert [row["name"] for row in listing] == ["Program X", "Program Y"]
