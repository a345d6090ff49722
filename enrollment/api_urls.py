from rest_framework.routers import DefaultRouter

from enrollment.api_attendance import AttendanceViewSet
from enrollment.api_enrollments import EnrollmentViewSet
from enrollment.api_families import ChildViewSet, FamilyViewSet, GuardianViewSet
from enrollment.api_vacancy import VacancyViewSet
from enrollment.api_waitlist import OfferViewSet, WaitlistEntryViewSet

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
