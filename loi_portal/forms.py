import unicodedata

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .enums import INVITABLE_ROLES, Language, Role
from .models import Organisation, User
from .timezones import ZONE_CHOICES


def add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form, field by field where the form has the field, so
    the page shows each message beside what the user typed (and keeps every value)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class PortalFormMixin:
    """Gives every widget Bootstrap's classes, so templates render any form the same way."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class RegistrationForm(PortalFormMixin, forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    username = forms.CharField(label=_("User name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"))
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.select_related("side"),
        help_text=_("Your Side is that of your organisation."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This user name is taken."))
        return username

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this e-mail address exists already."))
        return email

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            candidate = User(
                username=data.get("username", ""),
                email=data.get("email", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                password_validation.validate_password(p1, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class InvitationForm(PortalFormMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ChoiceField(
        label=_("Role"), choices=[(r.value, r.label) for r in Role if r in INVITABLE_ROLES]
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), required=False
    )

    def __init__(self, *args, side=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(side=side)


class ProfileForm(PortalFormMixin, forms.ModelForm):
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=[("", _("My Side's time zone")), *ZONE_CHOICES], required=False
    )

    class Meta:
        model = User
        fields = ["first_name", "last_name", "language", "time_zone"]


def _same_address(a: str, b: str) -> bool:
    return unicodedata.normalize("NFKC", a).casefold() == unicodedata.normalize("NFKC", b).casefold()


class PortalPasswordResetForm(PortalFormMixin, PasswordResetForm):
    """The "Forgotten your password?" form, for every active account. Django's form leaves out accounts
    without a usable password (meant for sign-in elsewhere); the portal has no other sign-in, so those are
    people invited who have not chosen a password yet, and this is how they get a fresh link once
    their invitation's link has expired. The page says the same whether or not the address is known."""

    def get_users(self, email):
        candidates = User.objects.filter(email__iexact=email, is_active=True)
        return [user for user in candidates if _same_address(user.email, email)]

    def save(self, **kwargs):
        """Queue the link through the outbox, in each account's own language, to the stored address."""
        from .notifications import send_password_reset

        for user in self.get_users(self.cleaned_data["email"]):
            send_password_reset(user)
