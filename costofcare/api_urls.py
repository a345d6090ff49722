from rest_framework.routers import DefaultRouter

from costofcare import api

router = DefaultRouter()
router.include_root_view = False
router.register("cost-of-care", api.CostOfCareViewSet, basename="cost-of-care")
urlpatterns = router.urls
