"""Forms of the governance pages and the audit log filters. Forms validate input; the services in
``loi_portal/governance.py`` apply the rules."""

from django import forms
from django.apps import apps
from django.utils.translation import gettext_lazy as _

from .forms import PortalFormMixin
from .governance_models import DisclosureAudience
from .models import Organisation, Side

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# What the disclosure register and divergences can point at: (app_label.model, label).
DISCLOSABLE_KINDS = [
    ("calls.topic", _("Topic")),
    ("calls.expertopinion", _("Expert opinion")),
    ("calls.partnershipplan", _("Partnership Plan")),
    ("calls.call", _("Call")),
    ("proposals.proposal", _("Proposal")),
    ("proposals.annex", _("Annex")),
    ("reporting.project", _("Project")),
    ("reporting.report", _("Progress report")),
]
DIVERGENCE_KINDS = [
    ("calls.topic", _("Topic")),
    ("calls.partnershipplan", _("Partnership Plan")),
    ("calls.call", _("Call")),
    ("proposals.proposal", _("Proposal")),
]


def find_object(kind: str, identifier: str):
    """The object of ``kind`` whose primary key (or, for proposals and calls, number/identifier) is
    ``identifier``; None when there is none."""
    try:
        model = apps.get_model(kind)
    except (LookupError, ValueError):
        return None
    identifier = identifier.strip()
    manager = model._default_manager
    if kind == "proposals.proposal" and not identifier.isdigit():
        return manager.filter(number=identifier).first()
    if kind == "calls.call" and not identifier.isdigit():
        return manager.filter(identifier=identifier).first()
    return manager.filter(pk=int(identifier)).first() if identifier.isdigit() else None


class SignatureReceiptForm(PortalFormMixin, forms.Form):
    notification_received_on = forms.DateField(label=_("Notification of signature received on"), widget=DATE)


class DiscontinuationNoticeForm(PortalFormMixin, forms.Form):
    given_on = forms.DateField(label=_("Date of the written notice"), widget=DATE)
    text = forms.CharField(label=_("Text of the notice"), widget=forms.Textarea(attrs={"rows": 6}))
    document = forms.FileField(label=_("Signed notice (PDF)"), required=False)
    confirm = forms.BooleanField(
        label=_(
            "I confirm that this records my Side's written notice of discontinuation; from its effective "
            "date no new call can be published."
        )
    )


class DiscontinuationDecisionForm(PortalFormMixin, forms.Form):
    effective_on = forms.DateField(label=_("Agreed effective date"), widget=DATE)
    text = forms.CharField(label=_("Text of the mutual decision"), widget=forms.Textarea(attrs={"rows": 5}))
    document = forms.FileField(label=_("Signed decision (PDF)"), required=False)


class DivergenceForm(PortalFormMixin, forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=255)
    description = forms.CharField(
        label=_("Area of divergence"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    kind = forms.ChoiceField(label=_("It is about a"), choices=[("", "—"), *DIVERGENCE_KINDS], required=False)
    identifiers = forms.CharField(
        label=_("Numbers of those objects"),
        required=False,
        help_text=_("Proposal numbers, call identifiers or record numbers, separated by commas."),
    )

    def clean(self):
        data = super().clean()
        kind, identifiers = data.get("kind"), data.get("identifiers", "")
        linked = []
        if identifiers and not kind:
            self.add_error("kind", _("Choose what the numbers refer to."))
        elif kind:
            for identifier in filter(None, (i.strip() for i in identifiers.split(","))):
                obj = find_object(kind, identifier)
                if obj is None:
                    self.add_error(
                        "identifiers", _("Nothing found with the number %(n)s.") % {"n": identifier}
                    )
                else:
                    linked.append(obj)
        data["linked"] = linked
        return data


class PositionForm(PortalFormMixin, forms.Form):
    text = forms.CharField(label=_("Your Side's written position"), widget=forms.Textarea(attrs={"rows": 8}))


class EscalationForm(PortalFormMixin, forms.Form):
    escalated_on = forms.DateField(label=_("Presented on"), widget=DATE)
    escalated_to = forms.CharField(
        label=_("Presented to (Deputy Director General or equivalent)"), max_length=255
    )


class ResolutionForm(PortalFormMixin, forms.Form):
    resolution = forms.CharField(label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 5}))
    resolved_on = forms.DateField(label=_("Resolved on"), widget=DATE)


class DisclosureForm(PortalFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of record"), choices=DISCLOSABLE_KINDS)
    identifier = forms.CharField(
        label=_("Number of the record"),
        help_text=_("A proposal number, a call identifier or a record number."),
    )
    what = forms.CharField(label=_("What may be disclosed"), max_length=255, required=False)
    provided_by = forms.ModelChoiceField(
        label=_("Provided by (participant)"), queryset=Organisation.objects.select_related("side")
    )
    audience = forms.ChoiceField(label=_("To whom"), choices=DisclosureAudience.choices)
    to_side = forms.ModelChoiceField(label=_("To Side"), queryset=Side.objects.all(), required=False)
    third_party = forms.CharField(
        label=_("Third party"),
        max_length=255,
        required=False,
        help_text=_("For example: Digital Partnership Council."),
    )
    permitted_on = forms.DateField(label=_("Permission given on"), widget=DATE)
    permission_text = forms.CharField(
        label=_("Text of the permission"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    document = forms.FileField(label=_("Written permission (PDF)"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("kind") and data.get("identifier"):
            data["subject"] = find_object(data["kind"], data["identifier"])
            if data["subject"] is None:
                self.add_error("identifier", _("No such record."))
        return data


class AuditFilterForm(PortalFormMixin, forms.Form):
    action = forms.CharField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Who"), required=False)
    object_type = forms.CharField(label=_("Kind of object"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE)

    def filter(self, qs):
        """``qs`` narrowed by the valid filters (the filters an invalid form names are ignored)."""
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("action"):
            qs = qs.filter(action__istartswith=data["action"])
        if data.get("actor"):
            qs = qs.filter(actor_name__icontains=data["actor"])
        if data.get("object_type"):
            qs = qs.filter(object_type__icontains=data["object_type"])
        if data.get("date_from"):
            qs = qs.filter(at__date__gte=data["date_from"])
        if data.get("date_to"):
            qs = qs.filter(at__date__lte=data["date_to"])
        return qs
