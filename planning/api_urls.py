from rest_framework.routers import DefaultRouter

from planning import api

router = DefaultRouter()
router.include_root_view = False
router.register("scenarios", api.ScenarioViewSet, basename="scenario")
urlpatterns = router.urls
