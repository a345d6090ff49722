from rest_framework.routers import DefaultRouter

from sustainability import api

router = DefaultRouter()
router.include_root_view = False
router.register("sustainability/plans", api.PlanViewSet, basename="sustainability-plan")
router.register("sustainability/grants", api.GrantViewSet, basename="sustainability-grant")
router.register("sustainability/contracts", api.ContractViewSet, basename="sustainability-contract")
router.register("sustainability/projection", api.ProjectionViewSet, basename="sustainability-projection")
router.register("sustainability/funder-view", api.FunderViewViewSet, basename="sustainability-funder-view")
urlpatterns = router.urls
