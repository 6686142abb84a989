"""The public URL map of claimtrack: one router per API version."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from claims import public
from claims.topic_views import TopicViewSet
from claims.views import (
    ActorViewSet,
    CitationViewSet,
    ClaimReviewFeedViewSet,
    ClaimViewSet,
    CountryViewSet,
    EventViewSet,
    ExternalReviewViewSet,
    SourceViewSet,
)
from claimtrack.apidocs import RedocView, redoc_bundle_view
from claimtrack.auth import TokenLoginView, TokenLogoutAllView, TokenLogoutView
from claimtrack.clients import login_rate_limited
from claimtrack.exceptions import not_found
from claimtrack.health import healthz, readyz
from sources.views import PublisherViewSet

v1 = DefaultRouter()
v1.register("claims", ClaimViewSet, basename="claim")
v1.register("sources", SourceViewSet, basename="source")
v1.register("publishers", PublisherViewSet, basename="publisher")
v1.register("actors", ActorViewSet, basename="actor")
v1.register("events", EventViewSet, basename="event")
v1.register("citations", CitationViewSet, basename="citation")
v1.register("countries", CountryViewSet, basename="country")
v1.register("claimreview", ClaimReviewFeedViewSet, basename="claimreview")
v1.register("external-reviews", ExternalReviewViewSet, basename="external_review")
v1.register("topics", TopicViewSet, basename="topic")

browsable_api_auth = [
    path(
        "login/",
        login_rate_limited(auth_views.LoginView.as_view(template_name="rest_framework/login.html")),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]


def favicon(request):
    """The site's icon for pages that name none; its static URL is resolved per request (the
    hashed name exists only after collectstatic)."""
    return redirect(static("claimtrack/favicon.svg"))


urlpatterns = [
    # Browsers ask for /favicon.ico on pages that name no icon (the API's JSON, for one).
    path("favicon.ico", favicon),
    # The public pages (claims.public): read-only, no login.
    path("", public.home, name="public-home"),
    path("claims/", public.search, name="public-search"),
    re_path(r"^claims/(?P<pk>[0-9]{1,18})/$", public.claim_page, name="public-claim"),
    re_path(r"^countries/(?P<code>[A-Za-z]{2,3})/$", public.country_page, name="public-country"),
    re_path(r"^events/(?P<pk>[0-9]{1,18})/$", public.event_page, name="public-event"),
    path("topics/<slug:slug>/", public.topic_page, name="public-topic"),
    path("topics/<slug:slug>/map.svg", public.topic_map_svg, name="public-topic-map"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    # Every login path counts attempts per client address across usernames (claimtrack.clients),
    # besides django-axes' lockout per username and address.
    path("admin/login/", login_rate_limited(admin.site.login)),
    path("admin/", admin.site.urls),
    path("api/v1/auth/token/", TokenLoginView.as_view(), name="token-login"),
    path("api/v1/auth/logout/", TokenLogoutView.as_view(), name="token-logout"),
    path("api/v1/auth/logoutall/", TokenLogoutAllView.as_view(), name="token-logout-all"),
    path("api/v1/", include(v1.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the CSP needs no inline scripts.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", RedocView.as_view(url_name="schema"), name="redoc"),
    path("api/redoc/redoc.standalone.js", redoc_bundle_view, name="redoc-bundle"),
    # The browsable API's session login form (DRF's rest_framework.urls, rate limited).
    path("api-auth/", include((browsable_api_auth, "rest_framework"))),
    # Anything else under /api/ answers a JSON 404, also with DEBUG on.
    re_path(r"^api/", not_found),
]

handler404 = "claimtrack.exceptions.not_found"
handler500 = "claimtrack.exceptions.server_error"
