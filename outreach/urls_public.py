"""Pages outside /a/<slug>/, without a Hub sign-in: the public "find child care"
page with its inquiry form, and the family page. Each opens its alliance's
scope from the slug (outreach/public.py)."""

from django.urls import path

from outreach import views_family, views_kiosk, views_public

app_name = "public"

care = "care/<slug:alliance_slug>/"
family = "family/<slug:alliance_slug>/"
kiosk = "kiosk/<slug:alliance_slug>/"

urlpatterns = [
    path(care, views_public.CarePageView.as_view(), name="care"),
    path(care + "inquire/", views_public.InquiryView.as_view(), name="inquire"),
    path(care + "inquire/thanks/", views_public.InquiryThanksView.as_view(), name="inquiry_thanks"),
    path(family, views_family.FamilyHomeView.as_view(), name="family_home"),
    path(family + "sign-in/", views_family.FamilySignInRequestView.as_view(), name="family_sign_in"),
    path(family + "sign-in/<str:token>/", views_family.FamilySignInLinkView.as_view(), name="family_sign_in_link"),
    path(family + "sign-out/", views_family.FamilySignOutView.as_view(), name="family_sign_out"),
    path(family + "offers/<int:pk>/", views_family.FamilyOfferView.as_view(), name="family_offer"),
    path(family + "offers/<int:pk>/accept/", views_family.FamilyOfferAcceptView.as_view(), name="family_offer_accept"),
    path(
        family + "offers/<int:pk>/decline/", views_family.FamilyOfferDeclineView.as_view(), name="family_offer_decline"
    ),
    path(family + "statement/", views_family.FamilyStatementView.as_view(), name="family_statement"),
    path(
        family + "statement.pdf", views_family.FamilyStatementView.as_view(), {"pdf": True}, name="family_statement_pdf"
    ),
    path(family + "accounts/<int:pk>/autopay/", views_family.FamilyAutopayView.as_view(), name="family_autopay"),
    path(
        family + "accounts/<int:pk>/autopay/stop/",
        views_family.FamilyAutopayStopView.as_view(),
        name="family_autopay_stop",
    ),
    path(family + "kiosk-pin/", views_kiosk.FamilyPinView.as_view(), name="family_pin"),
    path(kiosk, views_kiosk.KioskPadView.as_view(), name="kiosk"),
    path(kiosk + "mark/", views_kiosk.KioskMarkView.as_view(), name="kiosk_mark"),
]
