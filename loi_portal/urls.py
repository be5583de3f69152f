from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from . import views, views_operations
from .forms import PortalPasswordResetForm
from .security import views as security_views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("operations/", views_operations.operations, name="operations"),
    path("operations/outbox/<int:pk>/retry/", views_operations.retry_outbox, name="operations_retry_outbox"),
    path("accounts/register/", views.register, name="register"),
    path("accounts/invite/", views.invite, name="invite"),
    path("accounts/roles/confirm/<str:token>/", views.confirm_role, name="confirm_role"),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/two-factor/setup/", security_views.two_factor_setup, name="two_factor_setup"),
    path("accounts/two-factor/verify/", security_views.two_factor_verify, name="two_factor_verify"),
    # Django's own, with a form that also reaches invited accounts that have no password yet.
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=PortalPasswordResetForm),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/", include("loi_portal.api.urls")),
]

urlpatterns += [
    path("calls/", include("calls.urls")),
    path("proposals/", include("proposals.urls")),
    path("evaluation/", include("evaluation.urls")),
    path("reporting/", include("reporting.urls")),
]

# The letter's governance records and the audit log.
urlpatterns += [path("governance/", include("loi_portal.governance_urls"))]
