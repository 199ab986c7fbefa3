"""The site's form renderer: every field group carries 必須/任意 beside its label (design system pattern).

The standard widgets (inputs, text areas, selects) are written in Python
instead of through their templates: the markup is exactly Django's (the
templates are the specification; tests/cooperation/test_forms_renderer.py
compares both for every widget of the site's forms), at a fraction of the
cost — a page with nine stage forms rendered some 300 small templates.
Any other template (a project override, a widget of a library) is rendered
through the template engine as before.
"""

from django.forms.renderers import TemplatesSetting
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from cooperation.markup import as_in_template as _text

WIDGETS = "django/forms/widgets/"
# Templates that are exactly {% include "django/forms/widgets/input.html" %} in Django 5.2.
INPUT_TEMPLATES = frozenset(
    WIDGETS + name + ".html" for name in ("input", "text", "date", "hidden", "number", "email", "checkbox")
)
OPTION_TEMPLATE = WIDGETS + "select_option.html"


def _formatted(value) -> str:
    """``{{ value|stringformat:'s' }}``: ``"%s" % value``, escaped."""
    return conditional_escape(str(value))


def _attrs(attrs) -> str:
    """django/forms/widgets/attrs.html."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {_text(name)}")
        else:
            parts.append(f' {_text(name)}="{_formatted(value)}"')
    return "".join(parts)


def _input(widget) -> str:
    value = widget["value"]
    value_html = "" if value is None else f' value="{_formatted(value)}"'
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value_html}{_attrs(widget["attrs"])}>'


def _textarea(widget) -> str:
    value = widget["value"]
    return (
        f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{_text(value) if value else ''}</textarea>"
    )


def _field_group(field) -> str:
    """templates/forms/field.html, whose markup it repeats (the template stays the specification)."""
    from django.utils.translation import gettext

    from cooperation.templatetags.site_nav import requirement

    mark = requirement(field)
    help_html = ""
    if field.help_text:
        help_id = f' id="{_text(field.auto_id)}_helptext"' if field.auto_id else ""
        help_html = f'<div class="helptext"{help_id}>{field.help_text}</div>'
    errors, widget, label = (
        _text(field.errors),
        _text(field),
        _text(field.label) if field.label else "",
    )
    label_for = f' for="{_text(field.id_for_label)}"' if field.id_for_label else ""
    if field.widget_type == "checkbox":
        return f'<div class="checkbox-field">{widget}<label{label_for}>{label}</label></div>\n{help_html}\n{errors}'
    marks = ""
    if mark == "required":
        marks = f' <span class="requirement requirement-required">{_text(gettext("Required"))}</span>'
    elif mark == "optional":
        marks = f' <span class="requirement requirement-optional">{_text(gettext("Optional"))}</span>'
    if field.use_fieldset:
        described = ""
        if field.help_text and field.auto_id and "aria-describedby" not in field.field.widget.attrs:
            described = f' aria-describedby="{_text(field.auto_id)}_helptext"'
        legend = f"<legend>{label}{marks}</legend>" if field.label else ""
        return f"<fieldset{described}>\n  {legend}\n{help_html}\n{errors}\n{widget}\n</fieldset>"
    label_html = f"<label{label_for}>{label}{marks}</label>" if field.label else ""
    return f"{label_html}\n{help_html}\n{errors}\n{widget}"


class SiteFormRenderer(TemplatesSetting):
    """Renders form templates through the project's template engine, so templates/forms/ can override them."""

    field_template_name = "forms/field.html"

    def render(self, template_name, context, request=None):
        if template_name == self.field_template_name and isinstance(context, dict) and "field" in context:
            return mark_safe(_field_group(context["field"]).strip())
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is not None:
            if template_name in INPUT_TEMPLATES:
                return mark_safe(_input(widget))
            if template_name == WIDGETS + "textarea.html":
                return mark_safe(_textarea(widget))
            if template_name == WIDGETS + "select.html":
                return mark_safe(self._select(context, request))
        return super().render(template_name, context, request)

    def _select(self, context, request) -> str:
        widget = context["widget"]
        parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_text(group_name)}">')
            for option in group_choices:
                parts.append("\n  ")
                if option["template_name"] == OPTION_TEMPLATE:
                    parts.append(
                        f'<option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                        f"{_text(option['label'])}</option>\n"
                    )
                else:
                    # An {% include %} keeps the template's last newline (only the outermost render strips).
                    template = self.get_template(option["template_name"])
                    parts.append(template.render({**context, "widget": option}, request))
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return "".join(parts)
