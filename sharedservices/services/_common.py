"""What every shared-services write shares: the alliance's dates.

Rows are validated, saved and audited by the core's `model_create` / `model_update`
(alliance/audit.py), as in every other app."""

from __future__ import annotations

from enrollment.services import alliance_date, alliance_today

__all__ = ["alliance_date", "alliance_today"]
