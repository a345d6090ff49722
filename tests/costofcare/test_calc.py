"""The cost of care per child, worked by hand (costofcare/calc.py).

The centre of these examples: classroom staff at $16.00 an hour with 20 % benefits ($19.20 an
hour loaded), open 10 hours a day, 260 days a year = 260 ÷ 12 = 21.67 days a month, so one adult
costs 19.20 × 10 × 21.67 = $4,160.64 a month. It serves 8 infants (1:4, group 8), 12 toddlers
(1:6, group 12) and 20 preschoolers (1:10, group 20): 40 children. Rent $3,000.00, food, supplies
and other $1,500.00, administration $4,500.00 a month.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from costofcare.calc import GroupInputs, ProgramInputs, cost_of_care, days_a_month, monthly_from_weekly, staff_per_group

D = Decimal


def centre(**groups: dict) -> ProgramInputs:  # type: ignore[type-arg]
    base = {
        "infant": {"children": 8, "children_per_staff": 4, "group_size": 8, "rate_monthly": D("1100.00")},
        "toddler": {"children": 12, "children_per_staff": 6, "group_size": 12, "rate_monthly": D("950.00")},
        "preschool": {"children": 20, "children_per_staff": 10, "group_size": 20},
        "school_age": {"children": 0, "children_per_staff": 15, "group_size": 30},
    }
    for name, changes in groups.items():
        base[name] = {**base[name], **changes}
    return ProgramInputs(
        hourly_wage=D("16.00"),
        benefits_percent=D("20"),
        hours_open_a_day=D("10"),
        days_open_a_year=260,
        occupancy_monthly=D("3000.00"),
        other_monthly=D("1500.00"),
        admin_monthly=D("4500.00"),
        groups=tuple(GroupInputs(age_group=g, **values) for g, values in base.items()),
    )


def test_days_staff_and_weekly_rates():
    """260 ÷ 12 = 21.666… → 21.67; 10 infants at 1:4 need ⌈2.5⌉ = 3 adults; $250.00 a week
    = 250 × 52 ÷ 12 = $1,083.33 a month."""
    assert days_a_month(260) == D("21.67")
    assert staff_per_group(10, 4) == 3
    assert staff_per_group(8, 4) == 2
    assert monthly_from_weekly(D("250.00")) == D("1083.33")


def test_infants_cost_more_than_their_rate_shared_equally():
    """Infants 1:4, group 8: 2 adults × 4,160.64 ÷ 8 = $1,040.16 classroom per infant.
    Shared equally by 40 children: rent 3,000 ÷ 40 = 75.00, other 1,500 ÷ 40 = 37.50,
    admin 4,500 ÷ 40 = 112.50. Total 1,040.16 + 75.00 + 37.50 + 112.50 = $1,265.16;
    at $1,100.00 the program loses $165.16 on every infant.
    Toddlers 1:6, group 12: 2 × 4,160.64 ÷ 12 = 693.44; + 225.00 = $918.44 (gains 31.56 at 950).
    Preschool 1:10, group 20: 2 × 4,160.64 ÷ 20 = 416.064 → 416.06; + 225.00 = $641.06."""
    result = cost_of_care(centre())
    infant = result.group("infant")
    assert result.days_a_month == D("21.67")
    assert (infant.classroom, infant.occupancy, infant.other, infant.admin) == (
        D("1040.16"),
        D("75.00"),
        D("37.50"),
        D("112.50"),
    )
    assert infant.total == D("1265.16")
    assert infant.gap_at_rate == D("-165.16")
    assert infant.losses() == [
        "You lose $165.16 on every infant each month: care costs $1,265.16 and the rate is $1,100.00."
    ]
    toddler = result.group("toddler")
    assert (toddler.classroom, toddler.total, toddler.gap_at_rate) == (D("693.44"), D("918.44"), D("31.56"))
    assert toddler.losses() == []
    assert result.group("preschool").total == D("641.06")
    assert result.children == 40


def test_rent_shared_by_space():
    """Square feet per child: infants 50, toddlers 42, preschool 35. Space taken:
    8 × 50 + 12 × 42 + 20 × 35 = 400 + 504 + 700 = 1,604 sq ft. Rent per infant
    3,000 × 50 ÷ 1,604 = 93.516… → $93.52; per toddler 3,000 × 42 ÷ 1,604 = 78.553… → $78.55;
    per preschooler 3,000 × 35 ÷ 1,604 = 65.461… → $65.46."""
    result = cost_of_care(
        centre(
            infant={"square_feet_per_child": D("50")},
            toddler={"square_feet_per_child": D("42")},
            preschool={"square_feet_per_child": D("35")},
        )
    )
    assert result.shared_by_space
    assert [result.group(g).occupancy for g in ("infant", "toddler", "preschool")] == [
        D("93.52"),
        D("78.55"),
        D("65.46"),
    ]
    # One group served without an area: rent falls back to an equal share for everyone.
    assert not cost_of_care(centre(infant={"square_feet_per_child": D("50")})).shared_by_space


def test_a_group_that_is_not_a_multiple_of_the_ratio_pays_for_a_whole_adult():
    """10 infants at 1:4 need 3 adults: 3 × 4,160.64 ÷ 10 = 1,248.192 → $1,248.19 per infant."""
    assert cost_of_care(centre(infant={"group_size": 10})).group("infant").classroom == D("1248.19")


def test_subsidy_below_cost_is_said_too():
    """Infant care costs $1,265.16; a subsidy of $1,000.00 loses $265.16 per subsidised infant."""
    infant = cost_of_care(centre(infant={"subsidy_monthly": D("1000.00")})).group("infant")
    assert infant.gap_at_subsidy == D("-265.16")
    assert infant.losses(subject="Program X loses")[1] == (
        "Program X loses $265.16 on every infant paid by subsidy each month: the subsidy is $1,000.00."
    )


def test_no_children_shares_nothing():
    result = cost_of_care(
        centre(infant={"children": 0}, toddler={"children": 0}, preschool={"children": 0}, school_age={"children": 0})
    )
    assert result.group("infant").total == D("1040.16")


money = st.decimals(min_value=0, max_value=100000, places=2)


@given(
    wage=st.decimals(min_value=D("7.25"), max_value=60, places=2),
    occupancy=money,
    other=money,
    admin=money,
    children=st.lists(st.integers(min_value=0, max_value=80), min_size=4, max_size=4),
)
def test_the_total_is_the_sum_of_its_parts_and_shares_add_back_up(wage, occupancy, other, admin, children):
    """Each part is rounded once; the cost per child is exactly their sum, and equal shares over
    the children served give back the month's cost within half a cent per child."""
    inputs = centre(
        infant={"children": children[0]},
        toddler={"children": children[1]},
        preschool={"children": children[2]},
        school_age={"children": children[3]},
    )
    inputs = ProgramInputs(
        **{
            **inputs.__dict__,
            "hourly_wage": wage,
            "occupancy_monthly": occupancy,
            "other_monthly": other,
            "admin_monthly": admin,
        }
    )
    result = cost_of_care(inputs)
    served = sum(children)
    for g in result.groups:
        assert g.total == g.classroom + g.occupancy + g.other + g.admin
        assert g.total.as_tuple().exponent == -2
    if served:
        shared = sum((g.admin * g.children for g in result.groups), D(0))
        assert abs(shared - admin) <= D("0.005") * served
