"""Shared services: the substitute pool, joint purchasing, coaching and quality support."""

from sharedservices.models.base import SharedRecord
from sharedservices.models.coaching import (
    OPEN_GOAL_STATUSES,
    CoachingFocus,
    CoachingGoal,
    CoachVisit,
    GoalStatus,
)
from sharedservices.models.purchasing import (
    CatalogueItem,
    CycleStatus,
    Delivery,
    MemberOrder,
    MemberOrderLine,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchasingCycle,
    Vendor,
)
from sharedservices.models.substitutes import (
    BOOKED,
    CoverReason,
    CoverRequest,
    CoverStatus,
    CredentialType,
    Employment,
    Substitute,
    SubstituteAvailability,
    SubstituteClearance,
    SubstituteCredential,
    hours_between,
)

__all__ = [
    "BOOKED",
    "OPEN_GOAL_STATUSES",
    "CatalogueItem",
    "CoachVisit",
    "CoachingFocus",
    "CoachingGoal",
    "CoverReason",
    "CoverRequest",
    "CoverStatus",
    "CredentialType",
    "CycleStatus",
    "Delivery",
    "Employment",
    "GoalStatus",
    "MemberOrder",
    "MemberOrderLine",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "PurchasingCycle",
    "SharedRecord",
    "Substitute",
    "SubstituteAvailability",
    "SubstituteClearance",
    "SubstituteCredential",
    "Vendor",
    "hours_between",
]
