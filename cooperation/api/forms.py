from django import forms
from django.utils.translation import gettext_lazy as _

from cooperation.api.models import ApiToken


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=_("What the token is for, e.g. the prefecture's BI tool."),
    )
