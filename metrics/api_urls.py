from rest_framework.routers import DefaultRouter

from metrics import api, api_value

router = DefaultRouter()
router.include_root_view = False
router.register("metrics/alliance-months", api.AllianceMonthViewSet, basename="metrics-alliance-month")
router.register(
    "metrics/alliance-finance-months", api.AllianceFinanceMonthViewSet, basename="metrics-alliance-finance-month"
)
router.register("metrics/program-months", api.ProgramMonthViewSet, basename="metrics-program-month")
router.register(
    "metrics/program-finance-months", api.ProgramFinanceMonthViewSet, basename="metrics-program-finance-month"
)
router.register("value-of-membership", api_value.ValueOfMembershipViewSet, basename="value-of-membership")
urlpatterns = router.urls
