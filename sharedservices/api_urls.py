from django.urls import path
from rest_framework.routers import DefaultRouter

from sharedservices import api

router = DefaultRouter()
router.include_root_view = False
router.register("substitutes", api.SubstituteViewSet, basename="substitute")
router.register("cover-requests", api.CoverRequestViewSet, basename="cover-request")
router.register("vendors", api.VendorViewSet, basename="vendor")
router.register("catalogue-items", api.CatalogueItemViewSet, basename="catalogue-item")
router.register("purchasing-cycles", api.PurchasingCycleViewSet, basename="purchasing-cycle")
router.register("member-orders", api.MemberOrderViewSet, basename="member-order")
router.register("purchase-orders", api.PurchaseOrderViewSet, basename="purchase-order")
router.register("coach-visits", api.CoachVisitViewSet, basename="coach-visit")
router.register("coaching-goals", api.CoachingGoalViewSet, basename="coaching-goal")
urlpatterns = [
    *router.urls,
    path("quality-calendar/", api.QualityCalendarView.as_view(), name="quality-calendar-list"),
]
