"""The preferences form: one choice per kind of notification, the digest and the language of mail."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cooperation.notifications import kinds
from cooperation.notifications.kinds import Delivery


class PreferenceForm(forms.Form):
    digest = forms.BooleanField(
        label=_("Send me a daily digest of my scope (changes, old open referrals, stalled items)"), required=False
    )
    language = forms.ChoiceField(label=_("Language of e-mail"), choices=settings.LANGUAGES)

    def __init__(self, *args, defaults: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for code, kind in kinds.KINDS.items():
            self.fields[f"kind_{code}"] = forms.ChoiceField(
                label=kind.label,
                choices=Delivery.choices,
                widget=forms.RadioSelect,
                initial=defaults[code],
            )

    def kind_fields(self):
        return [self[f"kind_{code}"] for code in kinds.KINDS]

    @property
    def deliveries(self) -> dict[str, str]:
        return {code: self.cleaned_data[f"kind_{code}"] for code in kinds.KINDS}
