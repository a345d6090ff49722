from rest_framework.routers import DefaultRouter

from members import api

router = DefaultRouter()
router.include_root_view = False
router.register("programs", api.MemberProgramViewSet, basename="program")
router.register("sites", api.SiteViewSet, basename="site")
router.register("classrooms", api.ClassroomViewSet, basename="classroom")
router.register("classroom-capacities", api.ClassroomCapacityViewSet, basename="classroom-capacity")
router.register("staff", api.StaffMemberViewSet, basename="staff")
router.register("credentials", api.CredentialViewSet, basename="credential")
router.register("costs", api.MonthlyCostViewSet, basename="cost")
router.register("services", api.HubServiceViewSet, basename="service")
router.register("subscriptions", api.SubscriptionViewSet, basename="subscription")
router.register("inspections", api.InspectionViewSet, basename="inspection")
urlpatterns = router.urls
