from rest_framework.routers import DefaultRouter

from outreach.api import InquiryViewSet, PublicListingViewSet, TourBookingViewSet, TourSlotViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("public-listings", PublicListingViewSet, basename="public-listing")
router.register("inquiries", InquiryViewSet, basename="inquiry")
router.register("tour-slots", TourSlotViewSet, basename="tour-slot")
router.register("tour-bookings", TourBookingViewSet, basename="tour-booking")
urlpatterns = router.urls
