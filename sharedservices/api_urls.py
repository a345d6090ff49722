from django.urls import path
from rest_framework.routers import DefaultRouter

from sharedservices import api_coaching, api_cover, api_purchasing, api_substitutes

router = DefaultRouter()
router.include_root_view = False
router.register("substitutes", api_substitutes.SubstituteViewSet, basename="substitute")
router.register("cover-requests", api_cover.CoverRequestViewSet, basename="cover-request")
router.register("vendors", api_purchasing.VendorViewSet, basename="vendor")
router.register("catalogue-items", api_purchasing.CatalogueItemViewSet, basename="catalogue-item")
router.register("purchasing-cycles", api_purchasing.PurchasingCycleViewSet, basename="purchasing-cycle")
router.register("member-orders", api_purchasing.MemberOrderViewSet, basename="member-order")
router.register("purchase-orders", api_purchasing.PurchaseOrderViewSet, basename="purchase-order")
router.register("coach-visits", api_coaching.CoachVisitViewSet, basename="coach-visit")
router.register("coaching-goals", api_coaching.CoachingGoalViewSet, basename="coaching-goal")
urlpatterns = [
    *router.urls,
    path("quality-calendar/", api_coaching.QualityCalendarView.as_view(), name="quality-calendar-list"),
]
