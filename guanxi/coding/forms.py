"""Forms of the coding pages; every rule is the service's (guanxi.coding.services), shown
here next to the field it names."""

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.date_inputs import date_field
from guanxi.validation import WholeNumberField

from .models import CodingProject, RelationKind, SourceKind


class ProjectForm(forms.ModelForm):
    version = WholeNumberField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = CodingProject
        fields = ["title", "question", "description", "shared"]
        widgets = {
            "question": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def data_for_service(self) -> dict:
        return {k: self.cleaned_data[k] for k in self.Meta.fields}


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    interviewee = forms.CharField(
        label=_("interviewee"),
        max_length=100,
        required=False,
        help_text=_("A label such as “Customer A, 35, Shanghai”: no name or contact needed."),
    )
    date = date_field(_("date"))
    text = forms.CharField(
        label=_("text"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Type or paste the interview notes."),
    )


class PullForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("kind"),
        choices=[(k, label) for k, label in SourceKind.choices if k != SourceKind.INTERVIEW],
    )
    q = forms.CharField(label=_("Search"), max_length=50, required=False)


class FragmentForm(forms.Form):
    """Filled by the page's script from the selection (quote, start, end), or typed by hand
    (the quote alone: its first occurrence in the text is coded)."""

    quote = forms.CharField(
        label=_("Selected text"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Select a passage in the text above, or type or paste it here exactly."),
        strip=False,
    )
    start = WholeNumberField(widget=forms.HiddenInput, required=False, min_value=0)
    end = WholeNumberField(widget=forms.HiddenInput, required=False, min_value=0)
    codes = forms.MultipleChoiceField(
        label=_("Codes"), required=False, widget=forms.CheckboxSelectMultiple
    )
    new_codes = forms.CharField(
        label=_("New codes"),
        required=False,
        max_length=1000,
        help_text=_("Separate several with commas."),
    )

    def __init__(self, *args, codes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["codes"].choices = [(str(c.pk), c.name) for c in codes]

    def data_for_service(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("quote", "start", "end", "codes", "new_codes")}


class CodeForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    memo = forms.CharField(
        label=_("memo"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    memo = forms.CharField(
        label=_("memo"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PropertyForm(forms.Form):
    name = forms.CharField(label=_("property"), max_length=100)
    dimension_from = forms.CharField(label=_("dimension from"), max_length=100, required=False)
    dimension_to = forms.CharField(label=_("dimension to"), max_length=100, required=False)


class RelationForm(forms.Form):
    source = forms.ChoiceField(label=_("from"))
    kind = forms.ChoiceField(label=_("relation"), choices=RelationKind.choices)
    target = forms.ChoiceField(label=_("to"))
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(c.pk), c.name) for c in categories]
        self.fields["source"].choices = choices
        self.fields["target"].choices = choices


class CoreForm(forms.Form):
    version = WholeNumberField(widget=forms.HiddenInput, required=False)
    core_category = forms.ChoiceField(label=_("core category"), required=False)
    story_line = forms.CharField(
        label=_("story line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Tell how the categories hang together around the core category."),
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["core_category"].choices = [("", "—")] + [
            (str(c.pk), c.name) for c in categories
        ]
