"""Matching a place to waiting children: a worked example of the ranking.

The place: Toddler Room at Program X (Riverbend), from a Monday two weeks
ahead, with 1.0 FTE open. Everyone waiting, and where the rules put them:

    Bea  shared list, chose X, sibling enrolled, added 10 days ago   1st: chose X, priority 2
    Ana  on X's own list, added 100 days ago                         2nd: chose X, waited longest
    Eli  on X's own list, added 50 days ago (ready a month early)    3rd: chose X
    Kim  on X's own list, added 5 days ago                           4th: chose X, waited least
    Cal  shared list, area "riverbend", subsidy, added 300 days ago  5th: same area (any case), priority 1
    Dev  on Y's list, would take any program, added 400 days ago     6th: any program
    Fay  shared list, area Millbrook only                            out: would not take X
    Gus  chose X, but an infant on the start date                    out: age group
    Hal  chose X, but needs Saturdays                                out: schedule
    Ivy  chose X, but wants to start four months later               out: not ready
    Jon  chose X, but withdrew                                       out: not waiting

Time waited only orders children of the same choice and priority: Cal and Dev
waited longest of all and still come after every family that chose X.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from enrollment.matching import waitlist_matches
from tests.enrollment.conftest import next_monday
from tests.enrollment.factories import ChildFactory, FamilyFactory, enroll, entry, months_before


@pytest.fixture
def start(today):
    return next_monday(today, weeks=2)


@pytest.fixture
def waiting(world, rooms, today, start):
    family = FamilyFactory(alliance=world.a)
    toddler = months_before(start, 24)

    def child(name: str, dob=toddler):  # type: ignore[no-untyped-def]
        return ChildFactory(family=family, first_name=name, date_of_birth=dob)

    def ago(days: int) -> datetime.date:
        return today - datetime.timedelta(days=days)

    return {
        "Bea": entry(child("Bea"), choices=[world.x], sibling=True, added_on=ago(10), desired_start=start),
        "Ana": entry(child("Ana"), program=world.x, added_on=ago(100), desired_start=start),
        "Cal": entry(child("Cal"), area="riverbend", subsidy=True, added_on=ago(300), desired_start=start),
        "Dev": entry(child("Dev"), program=world.y, any_program=True, added_on=ago(400), desired_start=start),
        "Eli": entry(child("Eli"), program=world.x, added_on=ago(50), desired_start=start - datetime.timedelta(30)),
        "Fay": entry(child("Fay"), area="Millbrook", added_on=ago(500), desired_start=start),
        "Gus": entry(child("Gus", months_before(start, 10)), choices=[world.x], added_on=ago(600), desired_start=start),
        "Hal": entry(child("Hal"), choices=[world.x], weekdays=[0, 5], added_on=ago(700), desired_start=start),
        "Ivy": entry(
            child("Ivy"), choices=[world.x], added_on=ago(800), desired_start=start + datetime.timedelta(days=120)
        ),
        "Jon": entry(child("Jon"), choices=[world.x], status="withdrawn", added_on=ago(900), desired_start=start),
        "Kim": entry(child("Kim"), program=world.x, added_on=ago(5), desired_start=start, weekdays=[0, 1, 2, 3, 4]),
    }


def names(matches) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.entry.child.first_name for m in matches]


def test_the_worked_example_ranks_as_specified(world, rooms, in_a, start, today, waiting):
    with in_a():
        matches = waitlist_matches(classroom=rooms.toddlers, start_date=start, open_fte=Decimal("1.00"))
    assert names(matches) == ["Bea", "Ana", "Eli", "Kim", "Cal", "Dev"]
    bea, ana = matches[0], matches[1]
    assert (bea.choice_label, bea.priority, bea.waited_days) == ("Chose this program", 2, 10)
    assert (ana.choice_label, ana.priority, ana.waited_days) == ("Chose this program", 0, 100)
    assert [m.choice_label for m in matches[4:]] == ["Same area", "Any program"]
    assert matches[4].priority == 1
    assert matches[4].age_group == "toddler"


def test_less_fte_open_leaves_out_full_time_children(world, rooms, in_a, start, waiting):
    for name in ("Ana", "Bea", "Cal", "Dev", "Eli"):
        waiting[name].fte = Decimal("0.60")
        waiting[name].weekdays = [0, 2, 4]
        with in_a():
            waiting[name].save()
    with in_a():
        matches = waitlist_matches(classroom=rooms.toddlers, start_date=start, open_fte=Decimal("0.60"))
    assert "Kim" not in names(matches)
    assert names(matches)[0] == "Bea"


def test_a_child_already_in_the_room_is_not_offered_it_again(world, rooms, in_a, start, waiting):
    enroll(waiting["Bea"].child, rooms.toddlers, start - datetime.timedelta(days=30))
    with in_a():
        matches = waitlist_matches(classroom=rooms.toddlers, start_date=start)
    assert "Bea" not in names(matches)


def test_an_entry_with_an_open_offer_is_not_matched_again(world, rooms, in_a, start, waiting):
    waiting["Bea"].status = "offered"
    with in_a():
        waiting["Bea"].save()
        matches = waitlist_matches(classroom=rooms.toddlers, start_date=start)
    assert names(matches)[0] == "Ana"


def test_another_alliances_waitlist_is_never_seen(world, rooms, in_a, start, today):
    stranger = ChildFactory(family=FamilyFactory(alliance=world.b), date_of_birth=months_before(start, 24))
    entry(stranger, any_program=True, added_on=today, desired_start=start)
    with in_a():
        assert waitlist_matches(classroom=rooms.toddlers, start_date=start) == []
