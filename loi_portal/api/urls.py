from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from loi_portal.security.views import ApiDocsView, api_redoc_view

from . import governance_views, views

router = DefaultRouter()
router.register("sides", views.SideViewSet, basename="side")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("governance/letter", governance_views.LetterViewSet, basename="governance-letter")
router.register("governance/discontinuations", governance_views.NoticeViewSet, basename="governance-notice")
router.register(
    "governance/discontinuation-decisions", governance_views.DecisionViewSet, basename="governance-decision"
)
router.register(
    "governance/divergences", governance_views.DivergenceViewSet, basename="governance-divergence"
)
router.register(
    "governance/disclosures", governance_views.DisclosureViewSet, basename="governance-disclosure"
)
router.register("audit-log", governance_views.AuditEntryViewSet, basename="audit-entry")

v1 = [
    path("auth/token/", views.ObtainTokenView.as_view(), name="api-token"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path("", include(router.urls)),
    path("", include("calls.api.urls")),
    path("", include("proposals.api.urls")),
    path("", include("evaluation.api.urls")),
    path("", include("reporting.api.urls")),
]

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="api")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI with its script and styles served from this installation, under the strict CSP.
    path("docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
    path("redoc/", api_redoc_view(url_name="schema"), name="api-redoc"),
]
