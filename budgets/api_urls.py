from rest_framework.routers import DefaultRouter

from budgets.api import BudgetViewSet, CashFlowViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("budgets", BudgetViewSet, basename="budget")
router.register("cash-flow", CashFlowViewSet, basename="cash-flow")
urlpatterns = router.urls
