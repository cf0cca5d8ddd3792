"""Page forms: saving a segment, and the analysis settings."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from guanxi.analytics.loyalty import DEFAULT_WEIGHTS
from guanxi.scoring.models import AnalysisSettings
from guanxi.validation import FloatNumberField, WholeNumberField, add_service_errors

from . import preview, services


class SegmentForm(forms.Form):
    """Name, description, shared, and the criteria as the customer list's query string.

    `may_share` (scope.may_share_segment): without it the form has no "shared" box, unless
    the segment is shared already (`shared_now`), so it can be unshared; the service refuses
    sharing for such a user in any case."""

    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), max_length=500, required=False, widget=forms.Textarea({"rows": 2})
    )
    shared = forms.BooleanField(
        label=_("Share with everyone in the company"),
        required=False,
        help_text=_("Everyone sees a shared segment, each with the customers of their own scope."),
    )
    query = forms.CharField(required=False, max_length=4000, widget=forms.HiddenInput)

    def __init__(self, *args, may_share: bool = True, shared_now: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # kept when a post asks to share anyway, so the refusal shows beside the box
        if not may_share and not shared_now and not self.data.get("shared"):
            del self.fields["shared"]

    def data_for_service(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "description": data.get("description", ""),
            "shared": data.get("shared", False),
            "params": services.params_from_query(data.get("query", "")),
        }

    def save(self, user, segment=None):
        """The saved segment, or None with the service's errors on the form."""
        try:
            if segment is None:
                return services.create_segment(user, self.data_for_service())
            return services.update_segment(user, segment.pk, self.data_for_service())
        except ValidationError as exc:
            _add_errors(self, exc)
        except PermissionDenied as exc:  # sharing with everyone is for leads and managers
            self.add_error("shared" if "shared" in self.fields else None, str(exc))
        return None


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            target = field if field in form.fields and field != "query" else None
            for message in messages:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


# Analysis settings --------------------------------------------------------------------------

# The loyalty index's three groups of sub-indicators (analytics.loyalty.DEFAULT_WEIGHTS):
# A1 purchase behaviour, A2 spending, A3 attitude and emotion.
WEIGHT_GROUPS = {"A1": "A1", "A2": "A2", "A3": "A3"}


def group_weights(weights: dict | None) -> dict[str, float]:
    """The A1/A2/A3 totals of a sub-indicator mapping merged over the engine's defaults."""
    merged = {**DEFAULT_WEIGHTS, **(weights or {})}
    return {
        g: round(sum(v for k, v in merged.items() if k.startswith(g)), 4) for g in WEIGHT_GROUPS
    }


def spread_weights(groups: dict[str, float]) -> dict[str, float]:
    """Sub-indicator weights (A11 ... A34, what the engine takes) giving each group its total,
    shared within the group in the proportions of the engine's defaults."""
    spread = {}
    for group, total in groups.items():
        members = {k: v for k, v in DEFAULT_WEIGHTS.items() if k.startswith(group)}
        base = sum(members.values())
        for key, value in members.items():
            spread[key] = round(total * value / base, 6)
    return spread


def _share(label, help_text=""):
    return FloatNumberField(label=label, min_value=0, max_value=1, help_text=help_text)


class AnalysisSettingsForm(forms.Form):
    rfm_bins = WholeNumberField(
        label=_("RFM score bins"),
        min_value=2,
        max_value=10,
        help_text=_("Recency, frequency and monetary value are each scored 1 to this number."),
    )
    abc_a_share = _share(
        _("ABC: revenue share of class A"), _("Customers making the first share of revenue.")
    )
    abc_b_share = _share(
        _("ABC: revenue share of class B"), _("The next share; the rest is class C.")
    )
    weight_a1 = _share(_("Loyalty weight A1 (purchase behaviour)"))
    weight_a2 = _share(_("Loyalty weight A2 (spending)"))
    weight_a3 = _share(_("Loyalty weight A3 (attitude and emotion)"))
    high_loyalty = FloatNumberField(label=_("High loyalty from index"), min_value=0, max_value=100)
    clv_horizon_months = WholeNumberField(
        label=_("CLV horizon (months)"), min_value=1, max_value=120
    )
    clv_discount_rate = FloatNumberField(
        label=_("CLV discount rate per month"), min_value=0, max_value=0.5
    )
    clv_margin = FloatNumberField(label=_("Profit margin"), min_value=0.01, max_value=1)
    churn_high_p_alive = FloatNumberField(
        label=_("High churn risk below P(alive)"), min_value=0.01, max_value=0.99
    )
    decline_after_days = WholeNumberField(
        label=_("Decline after days without order"), min_value=1, max_value=3650
    )
    stability_after_days = WholeNumberField(
        label=_("Stable after days as customer"), min_value=1, max_value=3650
    )
    new_within_days = WholeNumberField(
        label=_("New customer within days"), min_value=1, max_value=3650
    )
    nightly_hour = WholeNumberField(
        label=_("Nightly scoring hour (local time)"), min_value=0, max_value=23
    )

    GROUPS = [
        (_("RFM and ABC"), ["rfm_bins", "abc_a_share", "abc_b_share"]),
        (_("Loyalty index"), ["weight_a1", "weight_a2", "weight_a3", "high_loyalty"]),
        (_("Customer lifetime value"), ["clv_horizon_months", "clv_discount_rate", "clv_margin"]),
        (
            _("Churn and lifecycle"),
            ["churn_high_p_alive", "decline_after_days", "stability_after_days", "new_within_days"],
        ),
        (_("Schedule"), ["nightly_hour"]),
    ]

    @classmethod
    def initial_from(cls, settings: AnalysisSettings) -> dict:
        values = services.settings_values(settings)
        weights = group_weights(values.pop("loyalty_weights"))
        values.update(weight_a1=weights["A1"], weight_a2=weights["A2"], weight_a3=weights["A3"])
        return values

    def clean(self):
        data = super().clean()
        a, b = data.get("abc_a_share"), data.get("abc_b_share")
        if a is not None and b is not None:
            if a <= 0 or b <= 0:
                self.add_error("abc_b_share", _("Both shares must be above 0."))
            elif a + b >= 1:
                self.add_error(
                    "abc_b_share",
                    _("A and B together must leave a share for class C (A + B below 1)."),
                )
        weights = [data.get(f"weight_a{i}") for i in (1, 2, 3)]
        if all(w is not None for w in weights) and abs(sum(weights) - 1) > 0.001:
            self.add_error(
                "weight_a3",
                _("The three loyalty weights must add up to 1 (now %(sum)s).")
                % {"sum": f"{sum(weights):.3f}"},
            )
        if not self.errors:
            refused = preview.check(self.values())
            if refused:
                self.add_error(None, refused)
        return data

    def values(self) -> dict:
        """The settings as AnalysisSettings stores them (and a preview takes them)."""
        data = dict(self.cleaned_data)
        groups = {f"A{i}": data.pop(f"weight_a{i}") for i in (1, 2, 3)}
        data["loyalty_weights"] = spread_weights(groups)
        return data

    def save(self, user):
        try:
            return services.save_analysis_settings(user, self.values())
        except ValidationError as exc:
            add_service_errors(self, exc)
            return None
