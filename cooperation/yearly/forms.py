"""Forms of the fiscal-year close and the trends page."""

from django import forms
from django.utils.translation import gettext_lazy as _


class CloseForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Reason for reopening (required)"), widget=forms.Textarea(attrs={"rows": 2}))


class TrendForm(forms.Form):
    """The area of the item trends (nation, a region, a prefecture) and the item of the regions side by side."""

    area = forms.ChoiceField(label=_("Area"), required=False)
    item = forms.ChoiceField(label=_("Item for the regions side by side"), required=False)

    def __init__(self, *args, regions, prefectures, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = (
            [("", _("Whole scope"))]
            + [(f"region:{region.code}", region.name) for region in regions]
            + [(f"prefecture:{prefecture.code}", prefecture.display_name) for prefecture in prefectures]
        )
        self.fields["item"].choices = [("", _("All items"))] + [(item.code, str(item)) for item in items]
