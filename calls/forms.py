"""Forms of the officers' and experts' pages. They parse and check what was typed; the rules live in
the services, whose ValidationErrors the views put back on the fields they name."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from loi_portal.enums import Role, SideCode
from loi_portal.forms import PortalFormMixin
from loi_portal.models import User
from loi_portal.money import DECIMALS, from_minor, to_minor
from loi_portal.timezones import ZONE_CHOICES, is_nonexistent_or_ambiguous, localise

from . import services
from .enums import CallDocumentKind, OpinionStance
from .models import ExpertOpinion, Topic
from .selectors import in_force_plan_versions

WALL_CLOCK_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S")
CURRENCY = {SideCode.EU: "EUR", SideCode.JP: "JPY"}


def apply_service_errors(form: forms.Form, exc, aliases: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError on the fields it names (or on the form as a whole)."""
    aliases = aliases or {}
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            field = aliases.get(field, field)
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)


class WallClockField(forms.CharField):
    """A wall-clock date and time as typed (no zone yet): the form attaches the chosen zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=None)
        for fmt in WALL_CLOCK_FORMATS:
            try:
                return dt.datetime.strptime(value.strip(), fmt)
            except ValueError:
                continue
        raise forms.ValidationError(_("Enter a date and time, e.g. 2027-03-30 17:00."))


def wall_clock(instant: dt.datetime | None, zone_name: str) -> str:
    if instant is None:
        return ""
    import zoneinfo

    return instant.astimezone(zoneinfo.ZoneInfo(zone_name)).strftime("%Y-%m-%dT%H:%M")


class ZonedInstantsMixin:
    """Turns the wall-clock fields named in ``instant_fields`` into UTC instants in ``zone``,
    refusing a time that does not exist or exists twice in that zone (DST changes)."""

    instant_fields: tuple[str, ...] = ()

    def clean(self):
        data = super().clean()
        zone = data.get("zone")
        for name in self.instant_fields:
            naive = data.get(name)
            if naive is None or not zone:
                continue
            if is_nonexistent_or_ambiguous(naive, zone):
                self.add_error(
                    name,
                    _(
                        "%(time)s does not exist or happens twice in %(zone)s (clock change); "
                        "choose another time."
                    )
                    % {"time": naive.strftime("%Y-%m-%d %H:%M"), "zone": dict(ZONE_CHOICES)[zone]},
                )
                continue
            data[name] = localise(naive, zone)
        return data


def _zone_field(initial="Europe/Brussels"):
    return forms.ChoiceField(
        label=_("Time zone of the times you enter"),
        choices=ZONE_CHOICES,
        initial=initial,
        help_text=_("Times are stored in UTC and always shown in Tokyo and Brussels time."),
    )


def zone_for(user) -> str:
    return "Asia/Tokyo" if user.side_id and user.side.code == SideCode.JP else "Europe/Brussels"


# -- topics ------------------------------------------------------------------------------------------


class TopicForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = Topic
        fields = ["title", "description", "challenge", "dp_priority"]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}


class OpinionRequestForm(PortalFormMixin, forms.Form):
    experts = forms.ModelMultipleChoiceField(
        label=_("Experts to ask"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Experts of either Side. Each sees only the topics they are asked about."),
    )

    def __init__(self, *args, topic: Topic, **kwargs):
        super().__init__(*args, **kwargs)
        asked = ExpertOpinion.objects.filter(topic=topic).values("expert_id")
        self.fields["experts"].queryset = (
            User.objects.filter(groups__side_role__role=Role.EXPERT, is_active=True)
            .exclude(pk__in=asked)
            .select_related("side")
            .order_by("side__code", "last_name", "first_name")
            .distinct()
        )
        self.fields["experts"].label_from_instance = lambda u: f"{u} ({u.side.code})"
        self.fields["experts"].widget.attrs["class"] = "form-check-input"


class OpinionForm(PortalFormMixin, forms.ModelForm):
    stance = forms.ChoiceField(
        label=_("Your opinion"),
        choices=[(k, v) for k, v in OpinionStance.choices if k != OpinionStance.PENDING],
        widget=forms.RadioSelect,
    )

    class Meta:
        model = ExpertOpinion
        fields = ["stance", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 6})}
        labels = {"text": _("Your reasons")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].required = True
        self.fields["stance"].widget.attrs["class"] = "form-check-input"


class CommentForm(PortalFormMixin, forms.Form):
    """The confirmation step of an approval, with an optional comment."""

    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CallDocumentForm(PortalFormMixin, forms.Form):
    title = forms.CharField(label=_("Title of the document"), max_length=255)
    kind = forms.ChoiceField(label=_("Kind of document"), choices=CallDocumentKind.choices)
    file = forms.FileField(
        label=_("PDF file"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )


class ReasonForm(PortalFormMixin, forms.Form):
    """The confirmation step of a transition."""

    reason = forms.CharField(label=_("Reason (recorded in the audit log)"), required=False, max_length=500)


# -- Partnership Plans -------------------------------------------------------------------------------


def criteria_text(criteria: list[dict]) -> str:
    return "\n".join(
        f"{c['code']} | {c['name']} | {c.get('name_ja', '')} | {c['threshold']} | {c.get('weight', 1)}"
        for c in criteria
    )


def timeline_text(timeline: list[dict]) -> str:
    return "\n".join(f"{m['date']} | {m['name']}" for m in timeline)


class PlanForm(PortalFormMixin, forms.Form):
    """A plan version. Criteria: one per line, ``code | name | Japanese name | threshold | weight``,
    in tie-break order; milestones: one per line, ``YYYY-MM-DD | name``."""

    name = forms.CharField(label=_("Name of the plan"), max_length=255)
    evaluation_procedure = forms.CharField(
        label=_("Evaluation procedure"), widget=forms.Textarea(attrs={"rows": 4})
    )
    selection_procedure = forms.CharField(
        label=_("Selection procedure"), widget=forms.Textarea(attrs={"rows": 4})
    )
    timeline = forms.CharField(
        label=_("Timeline"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One milestone per line: YYYY-MM-DD | name"),
    )
    reporting_cycle_months = forms.IntegerField(label=_("Reporting cycle (months)"), min_value=1, initial=12)
    final_report = forms.BooleanField(label=_("A final report is due"), required=False, initial=True)
    progress_assessment = forms.CharField(
        label=_("How progress is assessed"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, with_name: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_name:
            del self.fields["name"]
        for code, label in ((SideCode.EU, _("EU")), (SideCode.JP, _("Japan"))):
            prefix = code.lower()
            currency = CURRENCY[code]
            self.fields[f"{prefix}_funding"] = forms.DecimalField(
                label=_("%(side)s funding (%(currency)s)") % {"side": label, "currency": currency},
                min_value=0,
                decimal_places=DECIMALS[currency],
            )
            self.fields[f"{prefix}_scale_min"] = forms.DecimalField(
                label=_("%(side)s: lowest score") % {"side": label}, initial=Decimal("0")
            )
            self.fields[f"{prefix}_scale_max"] = forms.DecimalField(
                label=_("%(side)s: highest score") % {"side": label}, initial=Decimal("5")
            )
            self.fields[f"{prefix}_scale_step"] = forms.DecimalField(
                label=_("%(side)s: score step") % {"side": label},
                initial=Decimal("0.5"),
                min_value=Decimal("0.01"),
            )
            self.fields[f"{prefix}_overall_threshold"] = forms.DecimalField(
                label=_("%(side)s: overall threshold") % {"side": label}
            )
            self.fields[f"{prefix}_criteria"] = forms.CharField(
                label=_("%(side)s criteria") % {"side": label},
                widget=forms.Textarea(attrs={"rows": 5}),
                help_text=_(
                    "One criterion per line, in tie-break order: code | name | Japanese name | threshold | "
                    "weight (weights are for ranking only)"
                ),
            )
        # The PortalFormMixin ran before these fields existed.
        for name, field in self.fields.items():
            if name.startswith(("eu_", "jp_")):
                field.widget.attrs.setdefault("class", "form-control")

    @classmethod
    def initial_from(cls, data: dict, name: str = "") -> dict:
        initial = {
            "name": name,
            "evaluation_procedure": data.get("evaluation_procedure", ""),
            "selection_procedure": data.get("selection_procedure", ""),
            "timeline": timeline_text(data.get("timeline", [])),
            "reporting_cycle_months": data.get("reporting_cycle_months", 12),
            "final_report": data.get("final_report", True),
            "progress_assessment": data.get("progress_assessment", ""),
        }
        for code, terms in data["terms"].items():
            prefix = code.lower()
            initial.update(
                {
                    f"{prefix}_funding": from_minor(int(terms["funding_minor"]), CURRENCY[code]),
                    f"{prefix}_scale_min": terms["scale_min"],
                    f"{prefix}_scale_max": terms["scale_max"],
                    f"{prefix}_scale_step": terms["scale_step"],
                    f"{prefix}_overall_threshold": terms["overall_threshold"],
                    f"{prefix}_criteria": criteria_text(terms["criteria"]),
                }
            )
        return initial

    @classmethod
    def defaults(cls) -> dict:
        return cls.initial_from(
            {
                "evaluation_procedure": "",
                "selection_procedure": "",
                "terms": {code: services.default_side_terms(code) for code in (SideCode.EU, SideCode.JP)},
            }
        )

    def _parse_criteria(self, name: str) -> list[dict]:
        criteria = []
        for number, line in enumerate(self.cleaned_data.get(name, "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) != 5 or not parts[0] or not parts[1]:
                raise forms.ValidationError(
                    _("Line %(n)s: write code | name | Japanese name | threshold | weight.") % {"n": number}
                )
            try:
                threshold, weight = Decimal(parts[3]), Decimal(parts[4] or "1")
            except InvalidOperation as exc:
                raise forms.ValidationError(
                    _("Line %(n)s: the threshold and the weight must be numbers.") % {"n": number}
                ) from exc
            criteria.append(
                {
                    "code": parts[0],
                    "name": parts[1],
                    "name_ja": parts[2],
                    "threshold": threshold,
                    "weight": weight,
                }
            )
        return criteria

    def clean_timeline(self):
        timeline = []
        for number, line in enumerate(self.cleaned_data.get("timeline", "").splitlines(), start=1):
            if not line.strip():
                continue
            date, _sep, name = (p.strip() for p in line.partition("|"))
            try:
                dt.date.fromisoformat(date)
            except ValueError as exc:
                raise forms.ValidationError(
                    _("Line %(n)s: start with a date, YYYY-MM-DD | name.") % {"n": number}
                ) from exc
            if not name:
                raise forms.ValidationError(_("Line %(n)s: name the milestone.") % {"n": number})
            timeline.append({"date": date, "name": name})
        return timeline

    def clean(self):
        data = super().clean()
        for code in (SideCode.EU, SideCode.JP):
            name = f"{code.lower()}_criteria"
            if name in data:
                try:
                    data[f"{name}_parsed"] = self._parse_criteria(name)
                except forms.ValidationError as exc:
                    self.add_error(name, exc)
        return data

    def version_data(self) -> dict:
        data = self.cleaned_data
        terms = {}
        for code in (SideCode.EU, SideCode.JP):
            prefix = code.lower()
            terms[code] = {
                "funding_minor": to_minor(data[f"{prefix}_funding"], CURRENCY[code]),
                "overall_threshold": data[f"{prefix}_overall_threshold"],
                "scale_min": data[f"{prefix}_scale_min"],
                "scale_max": data[f"{prefix}_scale_max"],
                "scale_step": data[f"{prefix}_scale_step"],
                "criteria": data[f"{prefix}_criteria_parsed"],
            }
        return {
            "evaluation_procedure": data["evaluation_procedure"],
            "selection_procedure": data["selection_procedure"],
            "timeline": data["timeline"],
            "reporting_cycle_months": data["reporting_cycle_months"],
            "final_report": data["final_report"],
            "progress_assessment": data["progress_assessment"],
            "terms": terms,
        }


# -- calls -------------------------------------------------------------------------------------------

# Service error keys (minor units) → form fields (major units).
CALL_ERROR_ALIASES = {
    "eu_cap_minor": "eu_cap",
    "jp_cap_minor": "jp_cap",
    "eu_per_proposal_cap_minor": "eu_per_proposal_cap",
    "jp_per_proposal_cap_minor": "jp_per_proposal_cap",
}


class CallForm(ZonedInstantsMixin, PortalFormMixin, forms.Form):
    instant_fields = ("opens_at", "deadline")

    title = forms.CharField(label=_("Title"), max_length=255)
    identifier = forms.CharField(label=_("Identifier"), max_length=50, help_text=_("e.g. EUJ-QST-2027-01"))
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 8}))
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics (agreed by both Sides)"),
        queryset=Topic.objects.filter(is_agreed=True).order_by("title"),
        widget=forms.CheckboxSelectMultiple,
    )
    plan_version = forms.ModelChoiceField(
        label=_("Partnership Plan version (in force)"), queryset=in_force_plan_versions()
    )
    zone = _zone_field()
    opens_at = WallClockField(label=_("Opens at"))
    deadline = WallClockField(label=_("Deadline (one for both Sides)"))
    eu_cap = forms.DecimalField(label=_("EU budget for the call (EUR)"), min_value=0, decimal_places=2)
    eu_per_proposal_cap = forms.DecimalField(
        label=_("Most an EU partner group may request per proposal (EUR)"), min_value=0, decimal_places=2
    )
    jp_cap = forms.DecimalField(label=_("Japanese budget for the call (JPY)"), min_value=0, decimal_places=0)
    jp_per_proposal_cap = forms.DecimalField(
        label=_("Most a Japanese partner group may request per proposal (JPY)"), min_value=0, decimal_places=0
    )
    page_limit = forms.IntegerField(label=_("Page limit of annexes"), min_value=1, initial=30)
    min_participants_per_side = forms.IntegerField(
        label=_("Eligibility: minimum participants established in each Side"), min_value=1, initial=1
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topics"].widget.attrs["class"] = "form-check-input"
        self.fields["plan_version"].label_from_instance = lambda v: f"{v.plan.name} v{v.number}"

    @classmethod
    def initial_from(cls, call, zone: str) -> dict:
        budgets = {b.side.code: b for b in call.budgets.all()}
        initial = {
            "title": call.title,
            "identifier": call.identifier,
            "description": call.description,
            "topics": list(call.topics.all()),
            "plan_version": call.plan_version,
            "zone": zone,
            "opens_at": wall_clock(call.opens_at, zone),
            "deadline": wall_clock(call.deadline, zone),
            "page_limit": call.page_limit,
            "min_participants_per_side": call.min_participants_per_side,
        }
        for code, budget in budgets.items():
            prefix = code.lower()
            initial[f"{prefix}_cap"] = from_minor(budget.cap_minor, CURRENCY[code])
            initial[f"{prefix}_per_proposal_cap"] = from_minor(budget.per_proposal_cap_minor, CURRENCY[code])
        return initial

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "identifier": data["identifier"],
            "description": data["description"],
            "topics": list(data["topics"]),
            "plan_version": data["plan_version"],
            "opens_at": data["opens_at"],
            "deadline": data["deadline"],
            "page_limit": data["page_limit"],
            "min_participants_per_side": data["min_participants_per_side"],
            "budgets": {
                code: {
                    "cap_minor": to_minor(data[f"{code.lower()}_cap"], CURRENCY[code]),
                    "per_proposal_cap_minor": to_minor(
                        data[f"{code.lower()}_per_proposal_cap"], CURRENCY[code]
                    ),
                }
                for code in (SideCode.EU, SideCode.JP)
            },
        }


class DeadlineChangeForm(ZonedInstantsMixin, PortalFormMixin, forms.Form):
    instant_fields = ("new_deadline",)

    zone = _zone_field()
    new_deadline = WallClockField(label=_("New deadline"))
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown in the call's history, e.g. “The portal was unavailable for six hours.”"),
    )
