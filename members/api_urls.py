from rest_framework.routers import DefaultRouter

from members import api_costs, api_profit_loss, api_programs, api_services, api_sites, api_staff

router = DefaultRouter()
router.include_root_view = False
router.register("programs", api_programs.MemberProgramViewSet, basename="program")
router.register("programs", api_profit_loss.ProfitLossImportViewSet, basename="profit-loss")
router.register("sites", api_sites.SiteViewSet, basename="site")
router.register("classrooms", api_sites.ClassroomViewSet, basename="classroom")
router.register("classroom-capacities", api_sites.ClassroomCapacityViewSet, basename="classroom-capacity")
router.register("staff", api_staff.StaffMemberViewSet, basename="staff")
router.register("credentials", api_staff.CredentialViewSet, basename="credential")
router.register("costs", api_costs.MonthlyCostViewSet, basename="cost")
router.register("services", api_services.HubServiceViewSet, basename="service")
router.register("subscriptions", api_services.SubscriptionViewSet, basename="subscription")
router.register("inspections", api_programs.InspectionViewSet, basename="inspection")
urlpatterns = router.urls
