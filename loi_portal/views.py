from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import services
from .enums import Role
from .forms import InvitationForm, ProfileForm, RegistrationForm, add_service_errors
from .health import health
from .security.middleware import PRIVILEGED_KEY


def home(request):
    return render(request, "loi_portal/home.html")


@login_required
def dashboard(request):
    return render(request, "loi_portal/dashboard.html", {"roles": request.user.roles})


def register(request):
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.register_researcher(
            username=data["username"],
            email=data["email"],
            password=data["password1"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            organisation=data["organisation"],
            language=data["language"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! Your researcher account is ready."))
        return redirect("dashboard")
    return render(request, "registration/register.html", {"form": form})


@login_required
def invite(request):
    if not request.user.is_officer:
        raise PermissionDenied
    form = InvitationForm(request.POST or None, side=request.user.side)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.invite_user(
                email=data["email"],
                role=data["role"],
                by=request.user,
                first_name=data["first_name"],
                last_name=data["last_name"],
                organisation=data["organisation"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if user.has_role(data["role"]):
                messages.success(request, _("%(email)s has been invited.") % {"email": user.email})
            else:
                messages.success(
                    request,
                    _(
                        "%(email)s already has an account: we have sent a link to confirm the role "
                        "to that address. The role is granted once the account holder follows it."
                    )
                    % {"email": user.email},
                )
            return redirect("invite")
    return render(request, "loi_portal/invite.html", {"form": form})


@login_required
def confirm_role(request, token: str):
    """The page of the link sent to an existing account invited to a role: shows the offer, and
    grants the role when its holder, logged in as that account, accepts it (POST)."""
    template = "loi_portal/confirm_role.html"
    try:
        confirmation = services.read_role_confirmation(token)
    except ValidationError as exc:
        return render(request, template, {"error": exc.messages[0]}, status=400)
    if confirmation.user.pk != request.user.pk:
        error = _(
            "This link was sent to another account. Log out, then log in with the account whose "
            "e-mail address received it."
        )
        return render(request, template, {"error": error}, status=403)
    if request.method == "POST":
        try:
            services.confirm_role(token, by=request.user)
        except ValidationError as exc:  # used or overtaken a moment ago
            return render(request, template, {"error": exc.messages[0]}, status=400)
        # A new officer or evaluator role brings the shorter session limits from the next request on.
        request.session.pop(PRIVILEGED_KEY, None)
        messages.success(
            request, _("You now hold the role of %(role)s.") % {"role": Role(confirmation.role).label}
        )
        return redirect("dashboard")
    inviter = confirmation.invited_by
    return render(
        request,
        template,
        {"role": Role(confirmation.role).label, "officer": inviter.get_full_name() or inviter.get_username()},
    )


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        translation.activate(request.user.language)
        messages.success(request, _("Your profile has been saved."))
        response = redirect("profile")
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, request.user.language, samesite="Lax")
        return response
    return render(request, "loi_portal/profile.html", {"form": form})


@require_POST
def set_language(request):
    """Django's switcher, which also remembers a signed-in user's choice in their profile."""
    response = i18n_views.set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        request.user.language = language
        request.user.save(update_fields=["language"])
    return response


@never_cache
@require_GET
def healthz(request):
    state = health()
    return JsonResponse(state, status=200 if state["database"] == "ok" else 503)
