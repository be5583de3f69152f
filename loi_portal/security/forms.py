from django import forms
from django.utils.translation import gettext_lazy as _

from loi_portal.forms import PortalFormMixin


class OneTimeCodeForm(PortalFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
