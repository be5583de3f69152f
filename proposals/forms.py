"""Forms of the researchers' and officers' pages. Amounts are typed in major units (yen, euros) and
parsed with ``loi_portal.money.to_minor``; every form keeps what was typed when it fails."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from calls.models import Topic
from loi_portal.forms import PortalFormMixin
from loi_portal.models import Organisation
from loi_portal.money import from_minor, to_minor

from .enums import AnnexKind, PartnerRole
from .models import Partner, Proposal


class ProposalForm(PortalFormMixin, forms.ModelForm):
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Proposal
        fields = ["acronym", "title", "abstract", "keywords", "topics"]
        widgets = {
            "abstract": forms.Textarea(attrs={"rows": 6}),
            "topics": forms.CheckboxSelectMultiple,
        }
        help_texts = {"keywords": _("Separate keywords with commas.")}

    def __init__(self, *args, call=None, **kwargs):
        super().__init__(*args, **kwargs)
        call = call or (self.instance.call if self.instance.pk else None)
        self.fields["topics"].queryset = call.topics.all() if call else Topic.objects.none()
        self.fields["topics"].required = False
        self.fields["topics"].widget.attrs["class"] = "form-check-input"
        self.fields["abstract"].required = False
        if self.instance.pk and not self.is_bound:
            self.initial["lock_version"] = self.instance.lock_version


class PartnerForm(PortalFormMixin, forms.ModelForm):
    requested = forms.CharField(
        label=_("Requested budget"),
        help_text=_(
            "From the partner's own Side, in its currency: whole yen for Japan, "
            "euros (with cents) for the EU."
        ),
        required=False,
    )

    class Meta:
        model = Partner
        fields = ["organisation", "country", "pi_name", "pi_email", "role", "erad_id"]
        help_texts = {
            "erad_id": _("Japanese partners only: the ID of the mirror application in e-Rad."),
            "country": _("ISO code, e.g. JP, DE, FR."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.select_related("side").order_by("name")
        self.fields["country"].required = False
        self.fields["role"].choices = PartnerRole.choices
        if self.instance.pk and not self.is_bound:
            self.initial["requested"] = str(
                from_minor(self.instance.requested_minor, self.instance.side.currency)
            )

    def clean(self):
        data = super().clean()
        organisation = data.get("organisation")
        raw = (data.get("requested") or "").replace(",", "").replace("¥", "").replace("€", "").strip() or "0"
        if organisation is not None:
            currency = organisation.side.currency
            try:
                amount = Decimal(raw)
                if amount < 0:
                    raise ValueError
                data["requested_minor"] = to_minor(amount, currency)
            except (InvalidOperation, ValueError):
                self.add_error(
                    "requested",
                    _("Enter an amount in %(currency)s: whole yen for JPY, at most two decimals for EUR.")
                    % {"currency": currency},
                )
            if organisation.side.code != "JP" and data.get("erad_id"):
                self.add_error("erad_id", _("Only Japanese partners have an e-Rad application ID."))
        return data

    def partner_fields(self) -> dict:
        data = self.cleaned_data
        fields = {
            name: data.get(name)
            for name in ["organisation", "country", "pi_name", "pi_email", "role", "erad_id"]
        }
        fields["country"] = fields["country"] or ""
        fields["erad_id"] = fields["erad_id"] or ""
        fields["requested_minor"] = data.get("requested_minor", 0)
        return fields


PartnerFormSet = forms.modelformset_factory(Partner, form=PartnerForm, extra=1, can_delete=True)


class AnnexForm(PortalFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of annex"), choices=AnnexKind.choices)
    file = forms.FileField(
        label=_("PDF file"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )


class InviteForm(PortalFormMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail address of the co-applicant"))


class ConfirmForm(PortalFormMixin, forms.Form):
    confirm = forms.BooleanField(label=_("I confirm"), required=True)


class WithdrawForm(ConfirmForm):
    reason = forms.CharField(
        label=_("Reason (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class SearchForm(PortalFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)


class LateExceptionForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason (e.g. a documented outage)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    expires_at = forms.DateTimeField(
        label=_("Expires at (UTC)"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
