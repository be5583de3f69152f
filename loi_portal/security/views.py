"""Two-factor setup and verification pages, and the API docs served under the strict CSP."""

import django_otp
from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

from . import two_factor
from .forms import OneTimeCodeForm


def _wrong_code_message(throttled: bool) -> str:
    # django-otp refuses every code for a while after a wrong one (the delay doubles each time).
    if throttled:
        return _("Too many wrong codes. Wait a few seconds, then enter the code your app shows now.")
    return _("This code is not valid. Enter the code your app shows now.")


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return "dashboard"


@never_cache
@sensitive_post_parameters("code")
@login_required
def two_factor_setup(request):
    """QR code and manual key of a new TOTP device; confirming a code turns it on for this user."""
    if two_factor.has_confirmed_device(request.user) and not request.user.is_verified():
        return redirect(f"{reverse('two_factor_verify')}?{request.GET.urlencode()}")
    device = two_factor.pending_device(request.user)
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        throttled = two_factor.is_throttled(request.user, device)
        if two_factor.confirm_device(device, form.cleaned_data["code"], by=request.user):
            device.refresh_from_db()
            django_otp.login(request, device)
            messages.success(request, _("Two-factor authentication is on for your account."))
            return redirect(_next_url(request))
        form.add_error("code", _wrong_code_message(throttled))
    context = {
        "form": form,
        "qr_svg": two_factor.qr_code_svg(device),
        "manual_key": two_factor.manual_key(device),
        "next": _next_url(request) if request.GET.get("next") else "",
        "already_on": two_factor.has_confirmed_device(request.user),
    }
    return render(request, "loi_portal/two_factor_setup.html", context)


@never_cache
@sensitive_post_parameters("code")
@login_required
def two_factor_verify(request):
    """The second step of the log-in: a one-time code from the user's confirmed device."""
    if not two_factor.has_confirmed_device(request.user):
        return redirect(f"{reverse('two_factor_setup')}?{request.GET.urlencode()}")
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        throttled = two_factor.is_throttled(request.user)
        device = two_factor.verify_code(request.user, form.cleaned_data["code"])
        if device is not None:
            django_otp.login(request, device)
            return redirect(_next_url(request))
        form.add_error("code", _wrong_code_message(throttled))
    context = {"form": form, "next": _next_url(request) if request.GET.get("next") else ""}
    return render(request, "loi_portal/two_factor_verify.html", context)


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI with its script served from its own URL (``?script``) and without the inline
    ``<style>`` of drf-spectacular's template, so the strict CSP applies here unchanged."""

    template_name = "loi_portal/api_docs.html"


class ApiRedocView(SpectacularRedocView):
    """Redoc with its script from this installation and no fonts from the internet; ``api_redoc_view``
    below lets this one page apply inline styles, which Redoc's rendering needs (no inline script)."""

    template_name = "loi_portal/api_redoc.html"


def api_redoc_view(**initkwargs):
    # Redoc writes its styles into <style> elements at run time: only this page allows inline styles,
    # and its workers (search) from blob: URLs; scripts stay 'self' only.
    return csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]})(
        ApiRedocView.as_view(**initkwargs)
    )
