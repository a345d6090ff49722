"""Disclosure: the one rule for every figure shown to someone other than the Hub.

A provider's benchmark against the alliance and a funder's report, page, PDF,
API and CSV alike, show only aggregates over enough members that no single
member can be read from them or solved for (DESIGN.md, Disclosure):

- a median and quartiles need MIN_PEERS_FOR_QUARTILES members besides the
  viewer's own program (over fewer, the quartiles are other members' own
  figures, or lie between two of them);
- any other aggregate needs MIN_MEMBERS members;
- a group's figure shown beside its larger group's figure (centres beside all
  members) is withheld too when the members it leaves out are fewer than
  MIN_MEMBERS, since the two would give those members' figure by difference;
- a total over a period of months is withheld when any month in it has figures
  of fewer than MIN_MEMBERS members: the same total over the period without
  that month (which anyone may ask for) would give that month's few members'
  figures by difference;
- the same months' figures over a subset of the members (the members since joining of the impact
  report, metrics/reports.py `_before_after`) are withheld when the members with figures in those
  months that the subset leaves out are fewer than MIN_MEMBERS: a funder reads every month's total
  of all members (`alliance-months/`, `alliance-finance-months/`), and the difference is theirs.

What is not withheld, and why: two different months' totals over member sets that differ by one or
two members (a member joins in March). Every member's figures change from one month to the next, so
March's total less February's is the newcomer's March plus everyone's change, not the newcomer's
own figure; nothing solves for it exactly. The same month is never given twice over member sets
differing by fewer than MIN_MEMBERS: one total per month on the API (no filter by kind), groups
beside all members under the `left_out` rule, periods under `fewest_in_a_month`, the subset above
under `left_out`.

Below that the figure is withheld, and `withheld` says why: pages and PDFs
print the reason, CSVs carry it in a note column, the API gives null figures
and the reason in `suppressed_reason`. The Hub sees every member's figures
anyway, so nothing is withheld from it.
"""

from __future__ import annotations

MIN_MEMBERS = 3
MIN_PEERS_FOR_QUARTILES = 5


def _members(count: int) -> str:
    return f"{count} member" if count == 1 else f"{count} members"


def withheld(
    *,
    members: int,
    quartiles: bool = False,
    left_out: int = 0,
    viewer_is_hub: bool = False,
    peers: str | None = None,
    fewest_in_a_month: tuple[int, str] | None = None,
) -> str | None:
    """Why a figure may not be shown, or None when it may.

    `members`: the members whose figures the aggregate is over, not counting the viewer's own program.
    `quartiles`: the figure is a median or quartile. `left_out`: the members of a larger group, shown
    beside this figure, that this figure leaves out. `peers`: the peer group the members are of, in the
    plural ("family child-care homes"), when the aggregate compares like with like.
    `fewest_in_a_month`: for a total over several months, the fewest members with figures in any one
    month that has some, and that month's name.
    """
    if viewer_is_hub:
        return None
    if quartiles and members < MIN_PEERS_FOR_QUARTILES:
        if peers:
            return (
                f"Suppressed: the median and quartiles need at least {MIN_PEERS_FOR_QUARTILES} other {peers} "
                f"({members} here), or they would show a member's own figure."
            )
        return (
            f"Suppressed: the median and quartiles need at least {MIN_PEERS_FOR_QUARTILES} other members "
            f"({_members(members)} here), or they would show a member's own figure."
        )
    if members < MIN_MEMBERS:
        return (
            f"Suppressed: fewer than {MIN_MEMBERS} members ({_members(members)} here), "
            "so the figure could identify one."
        )
    if 0 < left_out < MIN_MEMBERS:
        return (
            f"Suppressed: beside the figure of the larger group it would give the {_members(left_out)} "
            "it leaves out by difference."
        )
    if fewest_in_a_month is not None and 0 < fewest_in_a_month[0] < MIN_MEMBERS:
        count, month = fewest_in_a_month
        return (
            f"Suppressed: in {month} only {_members(count)} had figures, so this period's totals beside "
            "those of a period without that month would give theirs by difference. Choose a period without it."
        )
    return None


__all__ = ["MIN_MEMBERS", "MIN_PEERS_FOR_QUARTILES", "withheld"]
