"""Root URLs. Apps are named by string, so the core imports none of them."""

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from alliance import views
from alliance.observability import healthz

# The Django admin signs in through the Hub's own sign-in (password, then TOTP); its pages
# then need a session that passed the second factor (alliance/middleware.py).
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]


class _QuietResolver(URLResolver):
    """Resolves as Django's does; with DEBUG off it does not collect the patterns it tried.

    Only the debug 404 page lists them. Every app's pages are included at the same prefix, so a
    billing page was matched only after each app before it had failed, and each failure built
    a list per pattern tried: thousands of small lists on every request, for nothing."""

    @staticmethod
    def _extend_tried(tried, pattern, sub_tried=None):  # type: ignore[no-untyped-def]
        if settings.DEBUG:
            URLResolver._extend_tried(tried, pattern, sub_tried)


def quiet(resolver: URLResolver) -> URLResolver:
    return _QuietResolver(
        resolver.pattern, resolver.urlconf_name, resolver.default_kwargs, resolver.app_name, resolver.namespace
    )


alliance_pages = [
    path("", include("alliance.urls_alliance")),
    path("", include("members.urls")),
    path("", include("enrollment.urls")),
    path("", include("sharedservices.urls")),
    path("", include("metrics.urls")),
    path("", include("costofcare.urls")),
    path("", include("sustainability.urls")),
    path("", include("planning.urls")),
    path("", include("billing.urls")),
    path("", include("outreach.urls")),
    path("", include("today.urls")),
    path("", include("budgets.urls")),
]

alliance_api = [
    path("", include("alliance.api_urls")),
    path("", include("members.api_urls")),
    path("", include("billing.api_urls")),
    path("", include("enrollment.api_urls")),
    path("", include("sharedservices.api_urls")),
    path("", include("metrics.api_urls")),
    path("", include("costofcare.api_urls")),
    path("", include("sustainability.api_urls")),
    path("", include("planning.api_urls")),
    path("", include("outreach.api_urls")),
    path("", include("budgets.api_urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("accounts/tokens/", views.api_tokens, name="api_tokens"),
    path("accounts/", include("allauth.urls")),
    quiet(path("a/<slug:alliance_slug>/", include([quiet(p) for p in alliance_pages]))),
    # The platform operator's console (operators only; 404 to everyone else signed in).
    path("operator/", include("alliance.urls_operator")),
    # Public pages without a Hub sign-in: /care/<slug>/ and /family/<slug>/ (each opens its own scope).
    path("", include("outreach.urls_public")),
    quiet(path("api/a/<slug:alliance_slug>/", include(([quiet(p) for p in alliance_api], "api")))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (no inline script, CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("django-admin/", admin.site.urls),
]

# The API answers unknown paths and crashes in JSON too (alliance/errors.py).
handler404 = "alliance.errors.not_found"
handler500 = "alliance.errors.server_error"
