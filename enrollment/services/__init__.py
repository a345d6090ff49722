"""Every write of enrollment data, one transaction and one audit trail each.

Split by domain; import from here: `from enrollment.services import enrollment_create`.
"""

from enrollment.services._common import Actor
from enrollment.services.attendance import (
    attendance_check_in,
    attendance_check_out,
    attendance_clear,
    attendance_mark_absent,
    attendance_times_correct,
    check_attendance_day,
)
from enrollment.services.attendance_bulk import (
    BulkResult,
    ChildException,
    attendance_bulk_check_in,
    attendance_bulk_check_out,
    staff_check_in,
    staff_check_out,
)
from enrollment.services.enrollments import (
    Refusal,
    age_refusal,
    capacity_refusal,
    enrollment_change_schedule,
    enrollment_create,
    enrollment_end,
    enrollment_transfer,
    enrollment_update_terms,
)
from enrollment.services.families import (
    age_bands_set,
    child_create,
    child_update,
    family_create,
    family_update,
    guardian_create,
    guardian_update,
)
from enrollment.services.intake import enrollment_intake_create, waitlist_application_create
from enrollment.services.waitlist import (
    offer_accept,
    offer_create,
    offer_decline,
    offer_withdraw,
    offers_expire_due,
    waitlist_entry_create,
    waitlist_entry_update,
    waitlist_entry_withdraw,
)

__all__ = [
    "Actor",
    "Refusal",
    "age_bands_set",
    "age_refusal",
    "BulkResult",
    "ChildException",
    "attendance_bulk_check_in",
    "attendance_bulk_check_out",
    "attendance_check_in",
    "attendance_check_out",
    "attendance_clear",
    "attendance_mark_absent",
    "attendance_times_correct",
    "capacity_refusal",
    "check_attendance_day",
    "child_create",
    "child_update",
    "enrollment_change_schedule",
    "enrollment_create",
    "enrollment_end",
    "enrollment_intake_create",
    "enrollment_transfer",
    "enrollment_update_terms",
    "family_create",
    "family_update",
    "guardian_create",
    "guardian_update",
    "offer_accept",
    "offer_create",
    "offer_decline",
    "offer_withdraw",
    "offers_expire_due",
    "waitlist_application_create",
    "waitlist_entry_create",
    "waitlist_entry_update",
    "waitlist_entry_withdraw",
    "staff_check_in",
    "staff_check_out",
]
