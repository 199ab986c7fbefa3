"""The site's form renderer: every field group carries 必須/任意 beside its label (design system pattern)."""

from django.forms.renderers import TemplatesSetting


class SiteFormRenderer(TemplatesSetting):
    """Renders form templates through the project's template engine, so templates/forms/ can override them."""

    field_template_name = "forms/field.html"
