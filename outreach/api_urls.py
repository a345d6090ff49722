from rest_framework.routers import DefaultRouter

from outreach.api import InquiryViewSet, PublicListingViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("public-listings", PublicListingViewSet, basename="public-listing")
router.register("inquiries", InquiryViewSet, basename="inquiry")
urlpatterns = router.urls
