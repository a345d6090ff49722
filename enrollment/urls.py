"""Enrollment pages under /a/<alliance_slug>/."""

from django.urls import path

from enrollment import (
    views_attendance,
    views_attendance_room,
    views_enrollments,
    views_families,
    views_offers_bulk,
    views_settings,
    views_vacancy,
    views_waitlist,
)

app_name = "enrollment"

urlpatterns = [
    # Vacancy and matching
    path("vacancies/", views_vacancy.VacancyBoardView.as_view(), name="vacancy_board"),
    path("vacancies/classrooms/<int:pk>/", views_vacancy.ClassroomVacancyView.as_view(), name="classroom_vacancy"),
    path("vacancies/classrooms/<int:pk>/match/", views_vacancy.ClassroomMatchView.as_view(), name="classroom_match"),
    # Families and children
    path("families/", views_families.FamilyListView.as_view(), name="family_list"),
    path("families/new/", views_families.FamilyCreateView.as_view(), name="family_create"),
    path("families/<int:pk>/", views_families.FamilyDetailView.as_view(), name="family_detail"),
    path("families/<int:pk>/edit/", views_families.FamilyEditView.as_view(), name="family_edit"),
    path("families/<int:pk>/guardians/new/", views_families.GuardianCreateView.as_view(), name="guardian_create"),
    path("families/<int:pk>/children/new/", views_families.ChildCreateView.as_view(), name="child_create"),
    path("guardians/<int:pk>/edit/", views_families.GuardianEditView.as_view(), name="guardian_edit"),
    path("children/<int:pk>/", views_families.ChildDetailView.as_view(), name="child_detail"),
    path("children/<int:pk>/edit/", views_families.ChildEditView.as_view(), name="child_edit"),
    path("children/<int:pk>/enroll/", views_enrollments.ChildEnrollView.as_view(), name="child_enroll"),
    path("children/<int:pk>/waitlist/", views_waitlist.ChildWaitlistAddView.as_view(), name="child_waitlist_add"),
    # Enrollments
    path("enrollments/", views_enrollments.EnrollmentListView.as_view(), name="enrollment_list"),
    path("enrollments/new/", views_enrollments.EnrollmentNewView.as_view(), name="enrollment_new"),
    path("enrollments/<int:pk>/", views_enrollments.EnrollmentDetailView.as_view(), name="enrollment_detail"),
    path(
        "enrollments/<int:pk>/schedule/", views_enrollments.EnrollmentScheduleView.as_view(), name="enrollment_schedule"
    ),
    path(
        "enrollments/<int:pk>/transfer/", views_enrollments.EnrollmentTransferView.as_view(), name="enrollment_transfer"
    ),
    path("enrollments/<int:pk>/end/", views_enrollments.EnrollmentEndView.as_view(), name="enrollment_end"),
    path("enrollments/<int:pk>/terms/", views_enrollments.EnrollmentTermsView.as_view(), name="enrollment_terms"),
    # Attendance
    path("attendance/", views_attendance.AttendanceHomeView.as_view(), name="attendance_home"),
    path("attendance/upload/", views_attendance.AttendanceUploadView.as_view(), name="attendance_upload"),
    path("attendance/classrooms/<int:pk>/", views_attendance.AttendanceSheetView.as_view(), name="attendance_sheet"),
    path("attendance/classrooms/<int:pk>/mark/", views_attendance.AttendanceMarkView.as_view(), name="attendance_mark"),
    path(
        "attendance/classrooms/<int:pk>/all-in/",
        views_attendance_room.AttendanceBulkView.as_view(),
        name="attendance_all_in",
    ),
    path(
        "attendance/classrooms/<int:pk>/all-out/",
        views_attendance_room.AttendanceBulkOutView.as_view(),
        name="attendance_all_out",
    ),
    path(
        "attendance/classrooms/<int:pk>/staff/", views_attendance_room.StaffMarkView.as_view(), name="attendance_staff"
    ),
    path(
        "attendance/classrooms/<int:pk>/ratio/", views_attendance_room.RatioPanelView.as_view(), name="attendance_ratio"
    ),
    path(
        "attendance/classrooms/<int:pk>/sign-in-sheet.pdf",
        views_attendance_room.SignInSheetView.as_view(),
        name="attendance_sign_in_sheet",
    ),
    path(
        "attendance/classrooms/<int:pk>/roster.csv",
        views_attendance.AttendanceTemplateView.as_view(),
        name="attendance_template",
    ),
    # Waitlist and offers
    path("waitlist/", views_waitlist.WaitlistView.as_view(), name="waitlist"),
    path("waitlist/offers/", views_offers_bulk.WaitlistOffersView.as_view(), name="waitlist_offers"),
    path("waitlist/offers/jobs/<int:pk>/", views_offers_bulk.OfferBulkJobView.as_view(), name="offer_bulk_job"),
    path(
        "waitlist/offers/jobs/<int:pk>/progress/",
        views_offers_bulk.OfferBulkJobProgressView.as_view(),
        name="offer_bulk_job_progress",
    ),
    path("waitlist/apply/", views_waitlist.WaitlistApplyView.as_view(), name="waitlist_apply"),
    path("waitlist/<int:pk>/", views_waitlist.WaitlistEntryView.as_view(), name="waitlist_entry"),
    path("waitlist/<int:pk>/edit/", views_waitlist.WaitlistEntryEditView.as_view(), name="waitlist_entry_edit"),
    path(
        "waitlist/<int:pk>/withdraw/",
        views_waitlist.WaitlistEntryWithdrawView.as_view(),
        name="waitlist_entry_withdraw",
    ),
    path("offers/", views_waitlist.OfferListView.as_view(), name="offer_list"),
    path("offers/<int:pk>/", views_waitlist.OfferDetailView.as_view(), name="offer_detail"),
    path("offers/<int:pk>/accept/", views_waitlist.OfferAcceptView.as_view(), name="offer_accept"),
    path("offers/<int:pk>/decline/", views_waitlist.OfferDeclineView.as_view(), name="offer_decline"),
    path("offers/<int:pk>/withdraw/", views_waitlist.OfferWithdrawView.as_view(), name="offer_withdraw"),
    # Settings
    path("age-groups/", views_settings.AgeBandsView.as_view(), name="age_bands"),
]
