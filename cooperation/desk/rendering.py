"""The desk's table of local governments, written in Python: the page's largest part, one row per local government.

Rendered by Django's template engine, the rows (each with a suggestion, a
plural phrase, the stale items and a link) cost most of the desk's time; the
same markup built here costs a tenth of it, and what every row repeats (badges, phrases, the URL pattern)
is worked out once per table. The markup
and the catalogue's messages are those the template had; tests compare them.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from cooperation.markup import escaped
from cooperation.reporting.prefecture import municipality_url_maker
from cooperation.templatetags.cooperation_tags import stage_badge


class _RowWriter:
    """What every row repeats, worked out once per table: badges by stage, the peers phrase by count, URLs."""

    def __init__(self, *, office, may_write: bool):
        self.office = office
        self.may_write = may_write
        self.url = municipality_url_maker()
        self.log_url = reverse("cooperation:activity_create")
        self.log_label = gettext('Log an activity<span class="visually-hidden"> with %(name)s</span>')
        self.badges: dict[str, str] = {}
        self.phrases: dict[int, str] = {}
        self.kinds: dict[str, str] = {}

    def badge(self, stage: str) -> str:
        if stage not in self.badges:
            self.badges[stage] = str(stage_badge(stage))
        return self.badges[stage]

    def phrase(self, total: int) -> str:
        if total not in self.phrases:
            self.phrases[total] = ngettext(
                "adopted by %(peers)s of %(total)s peer", "adopted by %(peers)s of %(total)s peers", total
            )
        return self.phrases[total]

    def kind(self, municipality) -> str:
        if municipality.kind not in self.kinds:
            self.kinds[municipality.kind] = escaped(municipality.get_kind_display())
        return self.kinds[municipality.kind]

    def suggestion(self, row) -> str:
        if row.suggestion is None:
            return "—"
        item = row.suggestion.item
        badge = self.badge(row.suggestion.stage)
        out = f'<span class="work-code">{escaped(item.code)}</span> {escaped(item.title)} {badge}'
        if row.peer_total:
            phrase = self.phrase(row.peer_total) % {"peers": row.suggestion_peers, "total": row.peer_total}
            out += f'\n            <span class="work-meta">{escaped(phrase)}</span>'
        return out

    @staticmethod
    def stale(row) -> str:
        if not row.stale:
            return "—"
        return " ".join(
            f'<span class="work-code" title="{escaped(progress.item.title)}">{escaped(progress.item.code)}</span>'
            for progress in row.stale
        )

    def row(self, row) -> str:
        municipality = row.municipality
        lg_code = escaped(municipality.lg_code)
        link = escaped(self.url(municipality.lg_code))
        cells = [
            f'<th scope="row"><a href="{link}">{escaped(municipality.name)}</a></th>',
            f"<td>{self.kind(municipality)}</td>",
            f'<td class="work-number">{row.adopted} / {row.applicable}</td>',
            f'<td class="work-suggestion">{self.suggestion(row)}</td>',
            f'<td class="work-stale">{self.stale(row)}</td>',
            f'<td class="work-number">{escaped(municipality.open_referrals)}</td>',
        ]
        if self.may_write:
            label = self.log_label % {"name": escape(municipality.name)}
            cells.append(
                f'<td><a href="{escaped(self.log_url)}?office={escaped(self.office.code)}&amp;municipality={lg_code}">'
                f"{label}</a></td>"
            )
        return f'<tr id="lg-{lg_code}">\n  ' + "\n  ".join(cells) + "\n</tr>"


def desk_rows_html(rows, *, office, may_write: bool) -> SafeString:
    """The ``<tr>`` elements of the desk's jurisdiction table (every value escaped as ``format_html`` would)."""
    writer = _RowWriter(office=office, may_write=may_write)
    return mark_safe("\n".join(writer.row(row) for row in rows))
