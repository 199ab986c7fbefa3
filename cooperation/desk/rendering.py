"""The desk's table of local governments, written in Python: the page's largest part, one row per local government.

Rendered by Django's template engine, the rows (each with a suggestion, a
plural phrase, the stale items and a link) cost most of the desk's time; the
same markup built here with ``format_html`` costs a tenth of it. The markup
and the catalogue's messages are those the template had; tests compare them.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from cooperation.templatetags.cooperation_tags import stage_badge


def _suggestion(row) -> SafeString:
    if row.suggestion is None:
        return mark_safe("—")
    item = row.suggestion.item
    html = format_html(
        '<span class="work-code">{}</span> {} {}', item.code, item.title, stage_badge(row.suggestion.stage)
    )
    if row.peer_total:
        phrase = ngettext(
            "adopted by %(peers)s of %(total)s peer", "adopted by %(peers)s of %(total)s peers", row.peer_total
        ) % {"peers": row.suggestion_peers, "total": row.peer_total}
        html += format_html('\n            <span class="work-meta">{}</span>', phrase)
    return html


def _stale(row) -> SafeString:
    if not row.stale:
        return mark_safe("—")
    return format_html_join(
        " ",
        '<span class="work-code" title="{}">{}</span>',
        ((progress.item.title, progress.item.code) for progress in row.stale),
    )


def desk_rows_html(rows, *, office, may_write: bool) -> SafeString:
    """The ``<tr>`` elements of the desk's jurisdiction table."""
    log_url = reverse("cooperation:activity_create")
    log_label = gettext('Log an activity<span class="visually-hidden"> with %(name)s</span>')
    out = []
    for row in rows:
        municipality = row.municipality
        cells = [
            format_html('<th scope="row"><a href="{}">{}</a></th>', municipality.get_absolute_url(), municipality.name),
            format_html("<td>{}</td>", municipality.get_kind_display()),
            format_html('<td class="work-number">{} / {}</td>', row.adopted, row.applicable),
            format_html('<td class="work-suggestion">{}</td>', _suggestion(row)),
            format_html('<td class="work-stale">{}</td>', _stale(row)),
            format_html('<td class="work-number">{}</td>', municipality.open_referrals),
        ]
        if may_write:
            cells.append(
                format_html(
                    '<td><a href="{}?office={}&amp;municipality={}">{}</a></td>',
                    log_url,
                    office.code,
                    municipality.lg_code,
                    mark_safe(log_label % {"name": escape(municipality.name)}),
                )
            )
        out.append(format_html('<tr id="lg-{}">\n  {}\n</tr>', municipality.lg_code, mark_safe("\n  ".join(cells))))
    return mark_safe("\n".join(out))
