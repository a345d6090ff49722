from rest_framework.routers import DefaultRouter

from enrollment.api import (
    AttendanceViewSet,
    ChildViewSet,
    EnrollmentViewSet,
    FamilyViewSet,
    GuardianViewSet,
    OfferViewSet,
    VacancyViewSet,
    WaitlistEntryViewSet,
)

router = DefaultRouter()
router.include_root_view = False
router.register("families", FamilyViewSet, basename="family")
router.register("guardians", GuardianViewSet, basename="guardian")
router.register("children", ChildViewSet, basename="child")
router.register("enrollments", EnrollmentViewSet, basename="enrollment")
router.register("attendance", AttendanceViewSet, basename="attendance")
router.register("waitlist-entries", WaitlistEntryViewSet, basename="waitlist-entry")
router.register("offers", OfferViewSet, basename="offer")
router.register("vacancies", VacancyViewSet, basename="vacancy")
urlpatterns = router.urls
