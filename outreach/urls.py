"""Outreach pages under /a/<alliance_slug>/: the inquiry inbox and public listings."""

from django.urls import path

from outreach import views_hub, views_kiosk, views_messages, views_tours
from outreach.models import MessageAbout

app_name = "outreach"

urlpatterns = [
    path("inquiries/", views_hub.InquiryListView.as_view(), name="inquiry_list"),
    path("inquiries/figures/", views_hub.DashboardPanelView.as_view(), name="dashboard_panel"),
    path("inquiries/<int:pk>/", views_hub.InquiryDetailView.as_view(), name="inquiry_detail"),
    path("inquiries/<int:pk>/contact/", views_hub.InquiryContactView.as_view(), name="inquiry_contact"),
    path("inquiries/<int:pk>/close/", views_hub.InquiryCloseView.as_view(), name="inquiry_close"),
    path("inquiries/<int:pk>/sign-in-link/", views_hub.InquirySendLinkView.as_view(), name="inquiry_send_link"),
    path("inquiries/<int:pk>/tour/", views_tours.InquiryTourBookView.as_view(), name="inquiry_tour_book"),
    path("tours/", views_tours.TourCalendarView.as_view(), name="tour_calendar"),
    path("tours/new/", views_tours.TourSlotCreateView.as_view(), name="tour_slot_create"),
    path("tour-slots/<int:pk>/", views_tours.TourSlotDetailView.as_view(), name="tour_slot_detail"),
    path("tour-slots/<int:pk>/edit/", views_tours.TourSlotEditView.as_view(), name="tour_slot_edit"),
    path("tour-slots/<int:pk>/cancel/", views_tours.TourSlotCancelView.as_view(), name="tour_slot_cancel"),
    path("tour-bookings/<int:pk>/", views_tours.TourBookingActionView.as_view(), name="tour_booking_action"),
    path("programs/<int:program_pk>/kiosk/", views_kiosk.KioskDevicesView.as_view(), name="kiosk_devices"),
    path(
        "programs/<int:program_pk>/kiosk/<int:pk>/revoke/",
        views_kiosk.KioskDeviceRevokeView.as_view(),
        name="kiosk_device_revoke",
    ),
    path("families/<int:pk>/kiosk-pin/", views_kiosk.StaffFamilyPinView.as_view(), name="family_pin"),
    path("public-listings/", views_hub.ListingListView.as_view(), name="listing_list"),
    path("public-listings/<int:program_pk>/", views_hub.ListingEditView.as_view(), name="listing_edit"),
    path("public-listings/<int:program_pk>/preview/", views_hub.ListingPreviewView.as_view(), name="listing_preview"),
    path("message-templates/", views_messages.MessageTemplateListView.as_view(), name="message_templates"),
    path("message-templates/new/", views_messages.MessageTemplateEditView.as_view(), name="message_template_create"),
    path("message-templates/<int:pk>/", views_messages.MessageTemplateEditView.as_view(), name="message_template_edit"),
    path("messages/offers/", views_messages.OffersMessageView.as_view(), name="message_offers"),
    # One page per kind of record a message is about (the segment before <pk> names the record).
    *[
        path(
            f"messages/{segment}/<int:pk>/",
            views_messages.MessageComposeView.as_view(about=about),
            name=f"message_{about}",
        )
        for segment, about in [
            ("inquiries", MessageAbout.INQUIRY),
            ("offers", MessageAbout.OFFER),
            ("accounts", MessageAbout.ACCOUNT),
            ("cover", MessageAbout.COVER),
        ]
    ],
]
