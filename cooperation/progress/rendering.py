"""The local government page's progress table, stage forms and history, written in Python.

The page is the one every stage update starts from: rendered by Django's template engine these three
parts (nine table rows, nine forms, ten history entries) cost most of its time. The markup and the
catalogue's messages here are exactly those of the templates they replace; tests/cooperation/
test_municipality_rendering.py renders both and compares them, for every stage, with and without dates,
notes, evidence and corrections, in Japanese and English. A form with errors (the page shown again after
a refused update) is still rendered by its template.
"""

from __future__ import annotations

from django.template.defaultfilters import time as time_filter
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext

from cooperation.markup import as_in_template
from cooperation.templatetags.cooperation_tags import jdate, stage_badge

STAGE_FORM_TEMPLATE = "cooperation/includes/work_stage_form.html"
# The template's first line ({% load … %}) leaves a line break before the form.
_FORM_HEAD = "\n"


def _recorded_by(user) -> str:
    return as_in_template(user) if user else escape(gettext("System"))


def _clock(value) -> str:
    """``{{ value|time:"H:i" }}``."""
    return escape(time_filter(template_localtime(value), "H:i"))


def _t(message: str) -> str:
    """``{% translate message %}``: the translation, escaped as the tag escapes it."""
    return escape(gettext(message))


def progress_rows_html(rows, *, may_edit: bool) -> SafeString:
    """The ``<tr>`` elements of the progress table (templates/cooperation/municipality_detail.html)."""
    out = []
    for progress, _form in rows:
        code = escape(progress.item.code)
        note = f'<div class="work-note">{as_in_template(progress.note)}</div>' if progress.note else ""
        if progress.updated_at:
            by = _recorded_by(progress.updated_by)
            at = f"{escape(jdate(progress.updated_at))} {_clock(progress.updated_at)}"
        else:
            by = at = "—"
        title = as_in_template(progress.item.title)
        update = ""
        if may_edit:
            update = f'<td><a href="#update-{code}">{gettext("Update %(item)s") % {"item": code}}</a></td>'
        out.append(
            f'\n        <tr id="item-{code}">\n'
            f'          <th scope="row"><span class="work-code">{code}</span> {title}</th>\n'
            f"          <td>{stage_badge(progress.stage)}{note}</td>\n"
            f"          <td>{escape(jdate(progress.stage_date)) or '—'}</td>\n"
            f"          <td>{by}</td>\n"
            f"          <td>{at}</td>\n"
            f"          {update}\n"
            "        </tr>\n        "
        )
    return mark_safe("".join(out))


def stage_forms_html(rows, *, municipality, csrf_token: str, request=None) -> SafeString:
    """One form per item (work_stage_form.html); a bound form, shown with its errors, through the template."""
    out = []
    for progress, form in rows:
        if form is None:
            continue
        if form.is_bound:
            context = {"progress": progress, "form": form, "municipality": municipality, "csrf_token": csrf_token}
            out.append(render_to_string(STAGE_FORM_TEMPLATE, context, request=request))
        else:
            out.append(_stage_form(progress, form, municipality=municipality, csrf_token=csrf_token))
    return mark_safe("".join(out))


def _stage_form(progress, form, *, municipality, csrf_token: str) -> str:
    code = escape(progress.item.code)
    action = escape(
        reverse("cooperation:progress_update", kwargs={"lg_code": municipality.lg_code, "item": progress.item.code})
    )
    since = f" ({escape(jdate(progress.stage_date))})" if progress.stage_date else ""
    return (
        f'{_FORM_HEAD}<form method="post" action="{action}" class="work-stage-form" id="update-{code}"'
        f' aria-labelledby="update-{code}-title">\n'
        f'  <input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf_token)}">\n'
        f'  <h3 id="update-{code}-title"><span class="work-code">{code}</span>'
        f" {as_in_template(progress.item.title)}</h3>\n"
        f'  <p class="work-current">{_t("Current stage:")} {stage_badge(progress.stage)}{since}</p>\n'
        "  \n"
        f"  {form['version']}\n"
        f'  <div class="form-row">{form["stage"].as_field_group()}</div>\n'
        f'  <div class="form-row">{form["effective_date"].as_field_group()}</div>\n'
        f'  <div class="form-row">{form["note"].as_field_group()}</div>\n'
        f'  <button type="submit" class="primary">{gettext("Save %(item)s") % {"item": code}}</button>\n'
        "</form>\n"
    )


def history_html(history, *, may_edit: bool) -> SafeString:
    """The ``<li>`` entries of the history timeline (templates/cooperation/municipality_detail.html)."""
    out = []
    for change in history:
        effective = change.effective_date
        recorded = gettext("Recorded %(when)s %(time)s by %(who)s") % {
            "when": escape(jdate(change.recorded_at)),
            "time": _clock(change.recorded_at),
            "who": _recorded_by(change.recorded_by),
        }
        correction = ""
        if change.corrects_id:
            of = gettext("of the change of %(date)s") % {"date": escape(jdate(change.corrects_effective_date))}
            correction = f'<p class="work-correction"><strong>{_t("Correction")}</strong> {of}</p>'
        elif change.is_corrected:
            correction = f'<p class="work-correction">{_t("Corrected by a later correcting change.")}</p>'
        note = f'<p class="work-note">{as_in_template(change.note)}</p>' if change.note else ""
        correct = ""
        if may_edit and not change.is_corrected:
            url = escape(reverse("cooperation:progresschange_correct", kwargs={"pk": change.pk}))
            correct = f'<p><a href="{url}">{_t("Correct this change")}</a></p>'
        out.append(
            "\n    <li>\n"
            '      <p class="work-timeline-head">\n'
            f'        <time datetime="{escape(effective.strftime("%Y-%m-%d"))}">{escape(jdate(effective))}</time>\n'
            f'        <span class="work-code">{escape(change.progress.item.code)}</span>\n'
            f'        {stage_badge(change.from_stage)} <span aria-hidden="true">→</span>'
            f'<span class="visually-hidden">{_t("to")}</span> {stage_badge(change.to_stage)}\n'
            "      </p>\n"
            f'      <p class="work-meta">{recorded}</p>\n'
            f"      {correction}\n"
            f"      {note}\n"
            f"      {correct}\n"
            f"      {_evidence(change)}\n"
            "    </li>\n    "
        )
    return mark_safe("".join(out))


def history_evidence() -> dict:
    """Annotations for what the timeline shows of each change's evidence and corrected change (no join)."""
    from django.db.models import OuterRef, Subquery

    from cooperation.models import Activity, Commissioner, CommissionerAward, ImportBatch, ProgressChange, Referral

    def field(model, key, name):
        return Subquery(model._base_manager.filter(pk=OuterRef(key)).values(name)[:1])

    return {
        "evidence_activity_title": field(Activity, "activity_id", "title"),
        "evidence_referral_received_on": field(Referral, "referral_id", "received_on"),
        "evidence_import_file_name": field(ImportBatch, "import_batch_id", "file_name"),
        "evidence_commissioner_number": field(Commissioner, "commissioner_id", "number"),
        "evidence_commissioner_name": field(Commissioner, "commissioner_id", "name"),
        "evidence_award_title": field(CommissionerAward, "commissioner_award_id", "title"),
        "evidence_award_commissioner_number": field(CommissionerAward, "commissioner_award_id", "commissioner__number"),
        "corrects_effective_date": field(ProgressChange, "corrects_id", "effective_date"),
    }


def _link(url: str, text: str) -> str:
    return f'<p><a href="{escape(url)}">{text}</a></p>'


def _evidence(change) -> str:
    """What the template's {% if change.activity %}…{% elif %} chain gave, from the history_evidence() values."""
    if change.activity_id:
        text = gettext("Evidence: activity “%(title)s”") % {"title": as_in_template(change.evidence_activity_title)}
        return _link(reverse("cooperation:activity_detail", kwargs={"pk": change.activity_id}), text) + "\n      "
    if change.referral_id:
        date = escape(jdate(change.evidence_referral_received_on))
        text = gettext("Evidence: referral received %(date)s") % {"date": date}
        return _link(reverse("cooperation:referral_detail", kwargs={"pk": change.referral_id}), text) + "\n      "
    if change.import_batch_id:
        name = as_in_template(change.evidence_import_file_name)
        text = gettext("Evidence: survey import “%(file)s”") % {"file": name}
        return (
            _link(reverse("cooperation:importbatch_detail", kwargs={"pk": change.import_batch_id}), text) + "\n      "
        )
    if change.commissioner_id:
        name = as_in_template(change.evidence_commissioner_name)
        text = gettext("Evidence: recommendation of commissioner %(name)s") % {"name": name}
        url = reverse("cooperation:commissioner_detail", kwargs={"number": change.evidence_commissioner_number})
        return _link(url, text) + "\n      "
    if change.commissioner_award_id:
        title = as_in_template(change.evidence_award_title)
        text = gettext("Evidence: award “%(title)s” to a commissioner") % {"title": title}
        number = change.evidence_award_commissioner_number
        url = (
            reverse("cooperation:commissioner_detail", kwargs={"number": number})
            + f"#award-{change.commissioner_award_id}"
        )
        return _link(url, text)
    return ""
