"""Pages of the tenancy core under /a/<alliance_slug>/."""

from django.urls import path

from alliance import views

app_name = "alliance"

urlpatterns = [
    path("", views.AllianceHomeView.as_view(), name="home"),
    path("audit/", views.AuditEventListView.as_view(), name="audit"),
    path("invitations/", views.InvitationListView.as_view(), name="invitations"),
    path("invitations/<int:pk>/revoke/", views.InvitationRevokeView.as_view(), name="invitation_revoke"),
    path("join/<str:token>/", views.invitation_accept_view, name="invitation_accept"),
    path("export/", views.DataExportView.as_view(), name="data_export"),
    path("export/<int:pk>/progress/", views.DataExportProgressView.as_view(), name="data_export_progress"),
    path("export/<int:pk>/download/", views.DataExportDownloadView.as_view(), name="data_export_download"),
    path("task-failures/", views.TaskFailureListView.as_view(), name="task_failures"),
    path("settings/", views.AllianceSettingsView.as_view(), name="settings"),
]
