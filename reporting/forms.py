from django import forms
from django.utils.translation import gettext_lazy as _

from loi_portal.enums import Language, Sensitivity
from loi_portal.forms import PortalFormMixin

from .enums import AssessmentRating, ExportKind
from .models import ExchangeRate, PeriodicReport, ReportActivity, ReportResult
from .services import DEFAULT_DURATION_MONTHS


class DateInput(forms.DateInput):
    input_type = "date"


class ProjectCreateForm(PortalFormMixin, forms.Form):
    start_date = forms.DateField(label=_("Start date"), widget=DateInput)
    duration_months = forms.IntegerField(
        label=_("Duration (months)"), min_value=1, max_value=120, initial=DEFAULT_DURATION_MONTHS
    )


class ProjectSensitivityForm(PortalFormMixin, forms.Form):
    sensitivity = forms.ChoiceField(
        label=_("Sensitivity of the project's outcomes"),
        choices=[
            (Sensitivity.PUBLIC, Sensitivity.PUBLIC.label),
            (Sensitivity.JOINT, Sensitivity.JOINT.label),
        ],
        help_text=_("Public outcomes appear in the Council report; joint ones only in the JSTCC report."),
    )


class ReportTextForm(PortalFormMixin, forms.ModelForm):
    lock_version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = PeriodicReport
        fields = ["summary", "deviations", "next_steps"]
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in fields}


class ResultForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = ReportResult
        fields = ["kind", "title", "authors", "reference", "year", "co_authored", "ip_rules", "description"]
        widgets = {
            "ip_rules": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 2}),
        }


class ActivityForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = ReportActivity
        fields = ["kind", "title", "start_date", "end_date", "direction", "researcher", "description"]
        widgets = {
            "start_date": DateInput,
            "end_date": DateInput,
            "description": forms.Textarea(attrs={"rows": 2}),
        }


class AttachmentForm(PortalFormMixin, forms.Form):
    file = forms.FileField(
        label=_("PDF file"), widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"})
    )


class AssessmentForm(PortalFormMixin, forms.Form):
    rating = forms.ChoiceField(label=_("Rating"), choices=AssessmentRating.choices, widget=forms.RadioSelect)
    comments = forms.CharField(label=_("Comments"), widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rating"].widget.attrs["class"] = "form-check-input"


class ExchangeRateForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = ExchangeRate
        fields = ["rate_date", "jpy_per_eur", "source"]
        widgets = {"rate_date": DateInput}

    def validate_unique(self):
        # A second rate for the same day corrects the first (the service updates it).
        pass


class ExportForm(PortalFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Export"), choices=ExportKind.choices)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)

    def __init__(self, *args, allowed_kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        if allowed_kinds is not None:
            self.fields["kind"].choices = [c for c in ExportKind.choices if c[0] in allowed_kinds]
