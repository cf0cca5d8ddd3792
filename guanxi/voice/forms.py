"""The review import form: a name for the set, where the reviews come from, the file."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.dataio.forms import MAX_UPLOAD_MB
from guanxi.dataio.readers import UnreadableFile, file_format


class ReviewImportForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("review set name", "Name"), max_length=100)
    source = forms.CharField(
        label=_("Source"),
        max_length=100,
        required=False,
        help_text=_("Where the reviews come from, e.g. a travel site or a survey."),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8 or GB18030) or XLSX, one review per row; Chinese or English headers."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            file_format(upload.name)
        except UnreadableFile as exc:
            raise forms.ValidationError(str(exc)) from exc
        if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB; split it into smaller files.")
                % {"mb": MAX_UPLOAD_MB}
            )
        return upload
