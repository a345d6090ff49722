from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("programs/<int:pk>/", views.ProgramDetailView.as_view(), name="program_detail"),
]
