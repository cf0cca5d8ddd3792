"""The import form: what to import, the file, and what to do with duplicates and bad rows."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .readers import UnreadableFile, file_format

MAX_UPLOAD_MB = 50


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What to import"),
        choices=[("customers", _("Customers")), ("orders", _("Orders (one row per order line)"))],
        initial="customers",
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8 or GB18030) or XLSX; Chinese or English column headers. "
            "An exported file can be imported again."
        ),
    )
    on_duplicate = forms.ChoiceField(
        label=_("When a customer already exists (same mobile, e-mail or external id)"),
        choices=[
            ("skip", _("Skip the row")),
            ("merge", _("Merge: update the existing customer with the filled-in cells")),
        ],
        initial="skip",
        widget=forms.RadioSelect,
        required=False,
    )
    skip_invalid = forms.BooleanField(
        label=_("Import the valid rows even if some rows have errors"),
        help_text=_("Otherwise a file with any error imports nothing."),
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            file_format(upload.name)
        except UnreadableFile as exc:
            raise forms.ValidationError(str(exc)) from exc
        if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB; import it with the guanxi import command.")
                % {"mb": MAX_UPLOAD_MB}
            )
        return upload
