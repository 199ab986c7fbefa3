"""Forms of the survey pages: what to download, which file to import, which preview to apply."""

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

FORMATS = [("xlsx", _("Excel workbook (.xlsx)")), ("csv", _("CSV, UTF-8 with BOM (.csv)"))]
_HEX64 = RegexValidator(r"^[0-9a-f]{64}$")


class SurveyExportForm(forms.Form):
    """One unit (a prefecture, a center or a local government) and a format.

    The drop-downs offer only the units wholly within the user's scope; a value
    typed into the address is not refused here but by the view, as a 404.
    """

    prefecture = forms.CharField(label=_("Prefecture"), required=False, max_length=2)
    office = forms.CharField(label=_("Center"), required=False, max_length=32)
    municipality = forms.CharField(
        label=_("Local government code"),
        required=False,
        max_length=6,
        help_text=_("Six digits, e.g. 012033 (five without the check digit also work)."),
    )
    format = forms.ChoiceField(label=_("Format"), choices=FORMATS, required=False, widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].initial = "xlsx"
        self.offer(prefectures=[], offices=[])

    def offer(self, *, prefectures, offices) -> None:
        """Fill the drop-downs with (code, name) pairs: only needed when the form is shown."""
        self.fields["prefecture"].widget = forms.Select(choices=[("", "—"), *prefectures])
        self.fields["office"].widget = forms.Select(choices=[("", "—"), *offices])

    def clean(self):
        data = super().clean()
        chosen = [name for name in ("prefecture", "office", "municipality") if data.get(name)]
        if len(chosen) != 1:
            raise forms.ValidationError(_("Choose one prefecture, one center or one local government."))
        data["unit"] = chosen[0]
        data["format"] = data.get("format") or "xlsx"
        return data


class SurveyUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Survey file"),
        allow_empty_file=True,
        help_text=_(".xlsx, or .csv in UTF-8 (with or without BOM) or Shift_JIS."),
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > settings.SURVEY_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than {limit} MB: split it, e.g. by center.").format(
                    limit=round(settings.SURVEY_MAX_BYTES / (1024 * 1024), 1)
                )
            )
        return uploaded


class SurveyApplyForm(forms.Form):
    """The preview being confirmed: the file (by its SHA-256) and the plan shown (by its fingerprint)."""

    token = forms.CharField(widget=forms.HiddenInput, validators=[_HEX64])
    fingerprint = forms.CharField(widget=forms.HiddenInput, validators=[_HEX64])
