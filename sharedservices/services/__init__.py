"""Every write of shared services, one transaction and one audit event each.

Split by domain; import from here: `from sharedservices.services import cover_request_fill`.
"""

from sharedservices.services.coaching import coach_visit_create, coaching_goal_create, coaching_goal_update
from sharedservices.services.purchasing import (
    catalogue_item_create,
    catalogue_item_update,
    delivery_record,
    member_order_line_set,
    purchasing_cycle_create,
    purchasing_cycle_place_orders,
    vendor_create,
    vendor_update,
)
from sharedservices.services.substitutes import (
    cover_hours_mark_charged,
    cover_request_cancel,
    cover_request_create,
    cover_request_fill,
    cover_request_mark_unfilled,
    cover_request_record_hours,
    cover_request_release,
    cover_requests_lapse,
    substitute_availability_clear,
    substitute_availability_set,
    substitute_clearance_add,
    substitute_create,
    substitute_credential_add,
    substitute_update,
)

__all__ = [
    "catalogue_item_create",
    "catalogue_item_update",
    "coach_visit_create",
    "coaching_goal_create",
    "coaching_goal_update",
    "cover_hours_mark_charged",
    "cover_request_cancel",
    "cover_request_create",
    "cover_request_fill",
    "cover_request_mark_unfilled",
    "cover_request_record_hours",
    "cover_request_release",
    "cover_requests_lapse",
    "delivery_record",
    "member_order_line_set",
    "purchasing_cycle_create",
    "purchasing_cycle_place_orders",
    "substitute_availability_clear",
    "substitute_availability_set",
    "substitute_clearance_add",
    "substitute_create",
    "substitute_credential_add",
    "substitute_update",
    "vendor_create",
    "vendor_update",
]
