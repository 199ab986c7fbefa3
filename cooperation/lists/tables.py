"""Tables of the list pages (django-tables2): columns, links, sorting and the values each exports.

A column's ``render`` is what the page shows (Japanese dates, stage badges,
links); its ``value`` is what goes into CSV and xlsx (dates as dates, plain
text). Columns marked ``exclude_from_export`` exist only on screen; hidden
columns (``visible=False``) exist only in the downloads, where a spreadsheet
wants one figure per column. A table method ``render_FOO`` is also what
django-tables2 exports unless ``value_FOO`` exists, so a column rendered as
HTML has a ``value_FOO`` too. The downloads themselves do not render cells
through the table (too slow for national lists): the list views read the same
values with ``.values_list()`` (``cooperation/lists/views.py``), and
tests/cooperation/test_lists.py checks that both give the same cells.
"""

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cooperation import fiscal
from cooperation.models import Activity, ProgressChange, Referral
from cooperation.templatetags.cooperation_tags import stage_badge
from offices.models import Municipality


class JapaneseDateColumn(tables.Column):
    """Shown as 2026年11月29日 (kept on one line); exported as a date, so a spreadsheet can sort and filter it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "date"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        return fiscal.format_date(value)

    def value(self, value):
        return value


class LocalDateTimeColumn(JapaneseDateColumn):
    """A moment shown in Japan's time as 2026年11月29日 14:05; exported as a local date and time."""

    def render(self, value):
        local = timezone.localtime(value)
        return "{} {}".format(fiscal.format_date(local.date()), local.strftime("%H:%M"))

    def value(self, value):
        return timezone.localtime(value).replace(tzinfo=None, microsecond=0)


class YesNoColumn(tables.Column):
    """A flag in words (never a symbol alone), on screen and in downloads."""

    def render(self, value):
        return gettext("Yes") if value else gettext("No")

    def value(self, value):
        return self.render(value)


class NumberColumn(tables.Column):
    """A count, right-aligned on screen, a number in downloads."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"th": {"class": "number"}, "td": {"class": "number"}})
        super().__init__(*args, **kwargs)


class SiteTable(tables.Table):
    """Base of the list tables: the site's accessible table template and its wording."""

    class Meta:
        template_name = "django_tables2/site_table.html"
        attrs = {"class": "data-table"}
        empty_text = _("Nothing matches these filters.")


class MunicipalityTable(SiteTable):
    lg_code = tables.Column(verbose_name=_("Code"))
    name = tables.Column(verbose_name=_("Name"), linkify=True, order_by=("name", "lg_code"))
    name_kana = tables.Column(verbose_name=_("Kana"), order_by=("name_kana", "lg_code"))
    kind = tables.Column(verbose_name=_("Kind"), order_by=("kind", "lg_code"))
    prefecture = tables.Column(verbose_name=_("Prefecture"), order_by=("prefecture__code", "lg_code"))
    office = tables.Column(verbose_name=_("Center"), order_by=("office__sort_order", "lg_code"))
    adopted_count = NumberColumn(
        verbose_name=_("Items adopted (done or established)"), order_by=("adopted_count", "lg_code")
    )
    applicable_count = NumberColumn(verbose_name=_("Applicable items"), order_by=("applicable_count", "lg_code"))
    is_active = YesNoColumn(verbose_name=_("Active"), order_by=("is_active", "lg_code"))

    class Meta(SiteTable.Meta):
        model = Municipality
        fields = (
            "lg_code",
            "name",
            "name_kana",
            "kind",
            "prefecture",
            "office",
            "adopted_count",
            "applicable_count",
            "is_active",
        )
        row_attrs = {"class": lambda record: "" if record.is_active else "inactive"}


ACTIVITY_COUNTS = (
    "attendees",
    "consultations",
    "commissioners_present",
    "people_recommended",
    "commissioners_awarded",
)


class ActivityTable(SiteTable):
    date = JapaneseDateColumn(verbose_name=_("Date"), order_by=("date", "id"))
    office = tables.Column(verbose_name=_("Center"), order_by=("office__sort_order", "-date", "-id"))
    municipalities = tables.ManyToManyColumn(
        verbose_name=_("Local governments"),
        linkify_item=True,
        separator="、",
        transform=lambda municipality: municipality.name,
        orderable=False,
    )
    municipality_codes = tables.Column(
        verbose_name=_("Local government code"), accessor="pk", visible=False, orderable=False
    )
    municipality_prefectures = tables.Column(
        verbose_name=_("Prefectures"), accessor="pk", visible=False, orderable=False
    )
    item = tables.Column(verbose_name=_("Item"), order_by=("item__sort_order", "-date", "-id"))
    kind = tables.Column(verbose_name=_("Kind"), order_by=("kind", "-date", "-id"))
    title = tables.Column(verbose_name=_("Title"), linkify=True, order_by=("title", "id"))
    counts = tables.Column(
        verbose_name=pgettext_lazy("numbers recorded with an activity", "Counts"),
        accessor="pk",
        orderable=False,
        exclude_from_export=True,
        attrs={"td": {"class": "counts"}},
    )
    attendees = NumberColumn(visible=False)
    consultations = NumberColumn(visible=False)
    commissioners_present = NumberColumn(visible=False)
    people_recommended = NumberColumn(visible=False)
    commissioners_awarded = NumberColumn(visible=False)
    follow_up_on = JapaneseDateColumn(verbose_name=_("Follow-up"), order_by=("follow_up_on", "id"))
    follow_up_done = YesNoColumn(verbose_name=_("Follow-up done"), visible=False)

    class Meta(SiteTable.Meta):
        model = Activity
        fields = (
            "date",
            "office",
            "municipalities",
            "item",
            "kind",
            "title",
            "municipality_codes",
            "municipality_prefectures",
            "counts",
            *ACTIVITY_COUNTS,
            "follow_up_on",
            "follow_up_done",
        )

    def render_counts(self, record):
        """Only the counts that were given, each with its name: 参加者 30、相談 4."""
        given = [
            (capfirst(Activity._meta.get_field(name).verbose_name), getattr(record, name))
            for name in ACTIVITY_COUNTS
            if getattr(record, name) is not None
        ]
        if not given:
            return "—"
        return format_html_join(mark_safe("<br>"), "{}: {}", given)

    def value_municipalities(self, value):
        return "、".join(municipality.name for municipality in value.all())

    def value_municipality_codes(self, record):
        return "、".join(municipality.lg_code for municipality in record.municipalities.all())

    def value_municipality_prefectures(self, record):
        """Each prefecture once, in the order of the local governments' codes."""
        names = [str(municipality.prefecture) for municipality in record.municipalities.all()]
        return "、".join(dict.fromkeys(names))

    def value_follow_up_on(self, value):
        """The date itself (django-tables2 would otherwise export ``render_follow_up_on``'s HTML badge);
        whether it is done has its own column."""
        return value

    def render_follow_up_on(self, value, record):
        if record.follow_up_done:
            return format_html(
                '{} <span class="badge follow-up-done">{}</span>', fiscal.format_date(value), gettext("done")
            )
        return fiscal.format_date(value)


class ReferralTable(SiteTable):
    received_on = JapaneseDateColumn(verbose_name=_("Received"), order_by=("received_on", "id"))
    lg_code = tables.Column(
        verbose_name=_("Local government code"), accessor="municipality__lg_code", visible=False, orderable=False
    )
    prefecture = tables.Column(
        verbose_name=_("Prefecture"), accessor="municipality__prefecture", visible=False, orderable=False
    )
    municipality = tables.Column(
        verbose_name=_("Local government"), linkify=True, order_by=("municipality__lg_code", "-received_on", "-id")
    )
    office = tables.Column(verbose_name=_("Center"), order_by=("office__sort_order", "-received_on", "-id"))
    topic = tables.Column(
        verbose_name=_("Topic"), linkify=lambda record: record.get_absolute_url(), order_by=("topic", "id")
    )
    agency = tables.Column(verbose_name=_("Agency"), order_by=("agency", "id"))
    status = tables.Column(verbose_name=_("Status"), order_by=("status", "id"))
    outcome = tables.Column(verbose_name=_("Outcome"), order_by=("outcome", "id"))
    direction = tables.Column(verbose_name=_("Direction"), order_by=("direction", "id"))
    commissioner = tables.Column(
        verbose_name=_("Commissioner"), accessor="commissioner__name", order_by=("commissioner__name_kana", "id")
    )

    class Meta(SiteTable.Meta):
        model = Referral
        fields = (
            "received_on",
            "municipality",
            "office",
            "topic",
            "agency",
            "status",
            "outcome",
            "direction",
            "commissioner",
            "lg_code",
            "prefecture",
        )

    def render_status(self, value, record):
        return format_html('<span class="badge referral-status status-{}">{}</span>', record.status, value)

    def value_status(self, value):
        """The status in words (django-tables2 would otherwise export ``render_status``'s HTML badge)."""
        return value


class ProgressChangeTable(SiteTable):
    recorded_at = LocalDateTimeColumn(verbose_name=_("Recorded at"), order_by=("recorded_at", "id"))
    effective_date = JapaneseDateColumn(verbose_name=_("Effective date"), order_by=("effective_date", "id"))
    lg_code = tables.Column(
        verbose_name=_("Local government code"),
        accessor="progress__municipality__lg_code",
        visible=False,
        orderable=False,
    )
    prefecture = tables.Column(
        verbose_name=_("Prefecture"), accessor="progress__municipality__prefecture", visible=False, orderable=False
    )
    municipality = tables.Column(
        verbose_name=_("Local government"),
        accessor="progress__municipality",
        linkify=True,
        order_by=("progress__municipality__lg_code", "-recorded_at", "-id"),
    )
    item = tables.Column(
        verbose_name=_("Item"),
        accessor="progress__item__code",
        order_by=("progress__item__sort_order", "-recorded_at", "-id"),
    )
    change = tables.Column(verbose_name=_("Change"), accessor="to_stage", orderable=False, exclude_from_export=True)
    from_stage = tables.Column(verbose_name=_("From"), visible=False, order_by=("from_stage", "id"))
    to_stage = tables.Column(verbose_name=_("To"), visible=False, order_by=("to_stage", "id"))
    recorded_by = tables.Column(verbose_name=_("By"), empty_values=(), order_by=("recorded_by__username", "id"))
    note = tables.Column(verbose_name=_("Note"), orderable=False, attrs={"td": {"class": "note"}})
    evidence = tables.Column(verbose_name=_("Evidence"), accessor="pk", orderable=False)

    class Meta(SiteTable.Meta):
        model = ProgressChange
        fields = (
            "recorded_at",
            "effective_date",
            "municipality",
            "item",
            "change",
            "from_stage",
            "to_stage",
            "recorded_by",
            "note",
            "lg_code",
            "prefecture",
            "evidence",
        )

    def render_change(self, record):
        return format_html(
            '{} <span aria-hidden="true">→</span><span class="visually-hidden">{}</span> {}',
            stage_badge(record.from_stage),
            gettext("to"),
            stage_badge(record.to_stage),
        )

    def render_recorded_by(self, value):
        return str(value) if value is not None else gettext("System")

    def value_recorded_by(self, value):
        return self.render_recorded_by(value)

    def _evidence(self, record):
        if record.corrects_id:
            return record.progress.municipality.get_absolute_url(), gettext(
                "Correction of the change of {date}"
            ).format(date=fiscal.format_date(record.corrects.effective_date))
        if record.activity_id:
            activity = record.activity
            return activity.get_absolute_url(), gettext("Activity: {title}").format(title=activity.title)
        if record.referral_id:
            referral = record.referral
            return referral.get_absolute_url(), gettext("Referral of {date}").format(
                date=fiscal.format_date(referral.received_on)
            )
        if record.import_batch_id:
            batch = record.import_batch
            return batch.get_absolute_url(), gettext("Import: {file}").format(file=batch.file_name)
        return None, ""

    def render_evidence(self, record):
        url, text = self._evidence(record)
        if url is None:
            return "—"
        return format_html('<a href="{}">{}</a>', url, text)

    def value_evidence(self, record):
        return self._evidence(record)[1]
