from django.urls import path

from members import views, views_costs, views_profit_loss, views_services, views_sites, views_staff

app_name = "members"

program = "programs/<int:program_pk>/"

urlpatterns = [
    # The Hub's directory and catalogue
    path("programs/", views.ProgramListView.as_view(), name="program_list"),
    path("programs/new/", views.ProgramCreateView.as_view(), name="program_create"),
    path("services/", views_services.ServiceCatalogueView.as_view(), name="service_list"),
    path("services/new/", views_services.HubServiceCreateView.as_view(), name="service_create"),
    path("services/<int:pk>/edit/", views_services.HubServiceEditView.as_view(), name="service_edit"),
    path("credentials/expiring/", views_staff.ExpiringCredentialsView.as_view(), name="credentials_expiring"),
    # One program: profile tabs (the provider's portal)
    path(program, views.ProgramDetailView.as_view(), name="program_detail"),
    path(program + "edit/", views.ProgramEditView.as_view(), name="program_edit"),
    path(program + "status/", views.ProgramStatusView.as_view(), name="program_status"),
    path(program + "quality/", views.ProgramQualityView.as_view(), name="program_quality"),
    path(program + "inspections/new/", views.InspectionCreateView.as_view(), name="inspection_create"),
    path(program + "inspections/<int:pk>/edit/", views.InspectionEditView.as_view(), name="inspection_edit"),
    # Sites and classrooms
    path(program + "sites/", views_sites.ProgramSitesView.as_view(), name="program_sites"),
    path(program + "sites/new/", views_sites.SiteCreateView.as_view(), name="site_create"),
    path(program + "sites/<int:pk>/edit/", views_sites.SiteEditView.as_view(), name="site_edit"),
    path(program + "classrooms/new/", views_sites.ClassroomCreateView.as_view(), name="classroom_create"),
    path(program + "classrooms/<int:pk>/", views_sites.ClassroomDetailView.as_view(), name="classroom_detail"),
    path(program + "classrooms/<int:pk>/edit/", views_sites.ClassroomEditView.as_view(), name="classroom_edit"),
    path(
        program + "classrooms/<int:pk>/capacity/",
        views_sites.ClassroomCapacityView.as_view(),
        name="classroom_capacity",
    ),
    # Staff
    path(program + "staff/", views_staff.ProgramStaffView.as_view(), name="program_staff"),
    path(program + "staff/new/", views_staff.StaffCreateView.as_view(), name="staff_create"),
    path(program + "staff/<int:pk>/", views_staff.StaffDetailView.as_view(), name="staff_detail"),
    path(program + "staff/<int:pk>/edit/", views_staff.StaffEditView.as_view(), name="staff_edit"),
    path(
        program + "staff/<int:pk>/credentials/new/",
        views_staff.CredentialCreateView.as_view(),
        name="credential_create",
    ),
    path(
        program + "staff/<int:pk>/credentials/<int:credential_pk>/edit/",
        views_staff.CredentialEditView.as_view(),
        name="credential_edit",
    ),
    # Costs and CSV imports
    path(program + "costs/", views_costs.ProgramCostsView.as_view(), name="program_costs"),
    path(program + "costs/new/", views_costs.MonthlyCostsEditView.as_view(), name="costs_new"),
    path(program + "costs/<int:year>/<int:month>/", views_costs.MonthlyCostsEditView.as_view(), name="costs_month"),
    path(program + "costs/profit-loss/", views_profit_loss.ProfitLossUploadView.as_view(), name="profit_loss_upload"),
    path(
        program + "costs/profit-loss/<int:pk>/",
        views_profit_loss.ProfitLossPreviewView.as_view(),
        name="profit_loss_preview",
    ),
    path(
        program + "costs/profit-loss/<int:pk>/accounts/",
        views_profit_loss.ProfitLossAccountsView.as_view(),
        name="profit_loss_accounts",
    ),
    path(program + "import/<slug:kind>/", views_costs.ImportUploadView.as_view(), name="import_upload"),
    path(program + "import/<slug:kind>/template.csv", views_costs.ImportTemplateView.as_view(), name="import_template"),
    path(program + "imports/<int:pk>/", views_costs.ImportPreviewView.as_view(), name="import_preview"),
    path(program + "imports/<int:pk>/columns/", views_costs.ImportMappingView.as_view(), name="import_mapping"),
    # Hub services
    path(program + "services/", views_services.ProgramServicesView.as_view(), name="program_services"),
    path(program + "services/new/", views_services.SubscriptionCreateView.as_view(), name="subscription_create"),
    path(program + "services/<int:pk>/edit/", views_services.SubscriptionEditView.as_view(), name="subscription_edit"),
]
