from rest_framework.routers import DefaultRouter

from members.api import MemberProgramViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("programs", MemberProgramViewSet, basename="program")
urlpatterns = router.urls
