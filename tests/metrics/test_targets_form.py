"""The targets page takes back what it shows (issue 20, point 6: a form that renders must work)."""

from __future__ import annotations

import re


def test_the_targets_form_sent_as_shown_is_saved(world, clients):
    url = f"/a/{world.a.slug}/dashboard/targets/"
    page = clients.admin_a.get(url).content.decode()
    shown = dict(re.findall(r'name="(\w+)" value="([\d.]+)"', page))
    # Stored as fractions of four places (0.8500), shown as percents of two: 85.00, not 85.0000.
    assert shown["budget_occupancy"] == "85.00"
    response = clients.admin_a.post(url, shown, follow=True)
    assert "Targets saved." in response.content.decode()
