"""Forms of the evaluation pages. Scores are checked again by the services (the one place of the rule);
the forms build their fields from the Side's criteria and keep every value on error."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from loi_portal.forms import PortalFormMixin
from loi_portal.money import DECIMALS, to_minor

from .enums import Confidence, SelectionOutcome


def apply_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form, on the named field when the form has it."""
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)


def criterion_label(criterion) -> str:
    return criterion.name_ja if get_language() == "ja" and criterion.name_ja else criterion.name


class CriteriaScoresForm(PortalFormMixin, forms.Form):
    """A score and a comment per criterion of the Side, in the plan's order."""

    def __init__(self, *args, terms, initial_scores=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.terms = terms
        self.criteria = list(terms.criteria.all())
        initial_scores = initial_scores or {}
        fields = {}
        for criterion in self.criteria:
            score, comment = initial_scores.get(criterion.pk, (None, ""))
            fields[f"score_{criterion.code}"] = forms.CharField(
                label=_("%(criterion)s: score") % {"criterion": criterion_label(criterion)},
                required=False,
                initial=score.normalize() if score is not None else "",
                help_text=_("From %(min)s to %(max)s in steps of %(step)s; threshold %(threshold)s.")
                % {
                    "min": terms.scale_min.normalize(),
                    "max": terms.scale_max.normalize(),
                    "step": terms.scale_step.normalize(),
                    "threshold": criterion.threshold.normalize(),
                },
                widget=forms.NumberInput(
                    attrs={"min": terms.scale_min, "max": terms.scale_max, "step": terms.scale_step}
                ),
            )
            fields[f"comment_{criterion.code}"] = forms.CharField(
                label=_("%(criterion)s: comment") % {"criterion": criterion_label(criterion)},
                required=False,
                initial=comment,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        self.fields = {**fields, **self.fields}
        for field in fields.values():
            css = "form-control"
            field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} {css}".strip()

    def criterion_rows(self):
        return [(c, self[f"score_{c.code}"], self[f"comment_{c.code}"]) for c in self.criteria]

    def scores(self) -> dict:
        return {
            c.code: {
                "score": self.cleaned_data.get(f"score_{c.code}") or None,
                "comment": self.cleaned_data.get(f"comment_{c.code}", ""),
            }
            for c in self.criteria
        }


class ReviewForm(CriteriaScoresForm):
    overall_comment = forms.CharField(
        label=_("Overall comment"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    confidence = forms.ChoiceField(
        label=_("Your confidence"), required=False, choices=[("", "—"), *Confidence.choices]
    )


class ConsensusForm(CriteriaScoresForm):
    overall_comment = forms.CharField(
        label=_("Overall comment"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    majority_view = forms.CharField(
        label=_("Majority view"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    minority_view = forms.CharField(
        label=_("Minority view"),
        required=False,
        help_text=_("Where the experts disagree, the minority's view and reasons."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # The consensus version the page was loaded with (0 before the first save): a save from an older
    # one is refused as an edit conflict.
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def take_version(self, version: int) -> None:
        """After a conflict, the form keeps what was typed and carries the saved version, so that
        saving again (having compared) replaces it deliberately."""
        self.data = self.data.copy()
        self.data[self.add_prefix("lock_version")] = str(version)


class ConflictDeclarationForm(PortalFormMixin, forms.Form):
    NONE = "none"
    CONFLICT = "conflict"
    declaration = forms.ChoiceField(
        label=_("Declaration"),
        widget=forms.RadioSelect,
        choices=[
            (NONE, _("I have no conflict of interest with this proposal")),
            (CONFLICT, _("I have a conflict of interest")),
        ],
    )
    conflict_type = forms.ChoiceField(label=_("Type of conflict"), required=False)
    note = forms.CharField(label=_("Explanation"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, conflict_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["conflict_type"].choices = [("", "—"), *conflict_types]
        self.fields["declaration"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        if data.get("declaration") == self.CONFLICT and not data.get("conflict_type"):
            self.add_error("conflict_type", _("Choose the type of conflict."))
        return data


class EligibilityForm(PortalFormMixin, forms.Form):
    eligible = forms.TypedChoiceField(
        label=_("Eligibility for your Side"),
        coerce=lambda v: v == "yes",
        choices=[("yes", _("Eligible")), ("no", _("Ineligible"))],
    )
    reason = forms.CharField(
        label=_("Reason for ineligibility"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class AssignForm(PortalFormMixin, forms.Form):
    evaluator = forms.ModelChoiceField(label=_("Evaluator"), queryset=None)

    def __init__(self, *args, evaluators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evaluator"].queryset = evaluators


class SettingsForm(PortalFormMixin, forms.Form):
    evaluators_per_proposal = forms.IntegerField(
        label=_("Evaluators per proposal"), min_value=1, max_value=20
    )


class RapporteurForm(PortalFormMixin, forms.Form):
    rapporteur = forms.ModelChoiceField(label=_("Rapporteur"), queryset=None, required=False)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rapporteur"].queryset = candidates


class ReleaseForm(PortalFormMixin, forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I understand that the other Side will see our consensus and ranking, and that our evaluation"
            " closes."
        )
    )


class SelectionEntryForm(PortalFormMixin, forms.Form):
    entry = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=SelectionOutcome.choices, required=False)


class ApproveSelectionForm(PortalFormMixin, forms.Form):
    version = forms.CharField(widget=forms.HiddenInput)


class DivergenceForm(PortalFormMixin, forms.Form):
    proposal = forms.IntegerField(widget=forms.HiddenInput)
    subject = forms.CharField(label=_("Subject of the divergence"), max_length=255)
    description = forms.CharField(
        label=_("Area of divergence"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class FundingForm(PortalFormMixin, forms.Form):
    partner = forms.IntegerField(widget=forms.HiddenInput)
    amount = forms.DecimalField(label=_("Amount"), min_value=0, decimal_places=2, max_digits=15)
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)

    def __init__(self, *args, currency, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.fields["amount"].label = _("Amount (%(currency)s)") % {"currency": currency}
        self.fields["amount"].decimal_places = DECIMALS[currency]
        self.fields["amount"].widget.attrs["step"] = "1" if DECIMALS[currency] == 0 else "0.01"

    def amount_minor(self) -> int:
        return to_minor(self.cleaned_data["amount"], self.currency)


class WithdrawFundingForm(PortalFormMixin, forms.Form):
    decision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReviewRequestForm(PortalFormMixin, forms.Form):
    side = forms.ModelChoiceField(label=_("Side concerned"), queryset=None)
    text = forms.CharField(
        label=_("What went wrong in the procedure"),
        help_text=_("A request is about the evaluation procedure, not the experts' judgement."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, sides, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["side"].queryset = sides


class AnswerForm(PortalFormMixin, forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 5}))
