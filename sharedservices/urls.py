from django.urls import path

from sharedservices import views_coaching, views_cover, views_purchasing, views_substitutes

app_name = "sharedservices"

urlpatterns = [
    # The substitute pool (Hub)
    path("substitutes/", views_substitutes.SubstituteListView.as_view(), name="substitute_list"),
    path("substitutes/new/", views_substitutes.SubstituteCreateView.as_view(), name="substitute_create"),
    path("substitutes/<int:pk>/", views_substitutes.SubstituteDetailView.as_view(), name="substitute_detail"),
    path("substitutes/<int:pk>/edit/", views_substitutes.SubstituteEditView.as_view(), name="substitute_edit"),
    path(
        "substitutes/<int:pk>/credentials/new/",
        views_substitutes.CredentialCreateView.as_view(),
        name="substitute_credential_create",
    ),
    path(
        "substitutes/<int:pk>/clearances/new/",
        views_substitutes.ClearanceCreateView.as_view(),
        name="substitute_clearance_create",
    ),
    path(
        "substitutes/<int:pk>/availability/",
        views_substitutes.AvailabilityView.as_view(),
        name="substitute_availability",
    ),
    # Cover requests
    path("cover/", views_cover.CoverListView.as_view(), name="cover_list"),
    path("cover/new/", views_cover.CoverCreateView.as_view(), name="cover_create"),
    path("cover/fill-rates/", views_cover.FillRateView.as_view(), name="fill_rates"),
    path("cover/<int:pk>/", views_cover.CoverDetailView.as_view(), name="cover_detail"),
    path("cover/<int:pk>/fill/", views_cover.CoverFillView.as_view(), name="cover_fill"),
    path("cover/<int:pk>/release/", views_cover.CoverReasonView.as_view(action="release"), name="cover_release"),
    path("cover/<int:pk>/not-filled/", views_cover.CoverReasonView.as_view(action="unfilled"), name="cover_unfilled"),
    path("cover/<int:pk>/cancel/", views_cover.CoverReasonView.as_view(action="cancel"), name="cover_cancel"),
    path("cover/<int:pk>/hours/", views_cover.CoverHoursView.as_view(), name="cover_hours"),
    # Joint purchasing
    path("purchasing/", views_purchasing.PurchasingHomeView.as_view(), name="purchasing_home"),
    path("purchasing/vendors/", views_purchasing.VendorListView.as_view(), name="vendor_list"),
    path("purchasing/vendors/new/", views_purchasing.VendorCreateView.as_view(), name="vendor_create"),
    path("purchasing/vendors/<int:pk>/", views_purchasing.VendorDetailView.as_view(), name="vendor_detail"),
    path("purchasing/vendors/<int:pk>/edit/", views_purchasing.VendorEditView.as_view(), name="vendor_edit"),
    path("purchasing/vendors/<int:pk>/items/new/", views_purchasing.ItemCreateView.as_view(), name="item_create"),
    path("purchasing/items/<int:pk>/edit/", views_purchasing.ItemEditView.as_view(), name="item_edit"),
    path("purchasing/cycles/new/", views_purchasing.CycleCreateView.as_view(), name="cycle_create"),
    path("purchasing/cycles/<int:pk>/", views_purchasing.CycleDetailView.as_view(), name="cycle_detail"),
    path(
        "purchasing/cycles/<int:pk>/place-orders/",
        views_purchasing.CyclePlaceOrdersView.as_view(),
        name="cycle_place_orders",
    ),
    path(
        "purchasing/cycles/<int:cycle_pk>/programs/<int:program_pk>/order/",
        views_purchasing.OrderView.as_view(),
        name="order",
    ),
    path(
        "purchasing/purchase-orders/<int:pk>/",
        views_purchasing.PurchaseOrderDetailView.as_view(),
        name="purchase_order_detail",
    ),
    path(
        "purchasing/purchase-orders/<int:pk>/deliveries/<int:program_pk>/",
        views_purchasing.DeliveryCreateView.as_view(),
        name="delivery_create",
    ),
    # Coaching and quality
    path("coaching/", views_coaching.CoachingHomeView.as_view(), name="coaching_home"),
    path("coaching/visits/new/", views_coaching.VisitCreateView.as_view(), name="visit_create"),
    path("coaching/visits/<int:pk>/", views_coaching.VisitDetailView.as_view(), name="visit_detail"),
    path("coaching/goals/new/", views_coaching.GoalCreateView.as_view(), name="goal_create"),
    path("coaching/goals/<int:pk>/edit/", views_coaching.GoalEditView.as_view(), name="goal_edit"),
    path("coaching/quality-calendar/", views_coaching.QualityCalendarView.as_view(), name="quality_calendar"),
]
