"""Center desk (センター業務画面): what each local government of the jurisdiction could do next."""

from typing import NamedTuple

from django.db.models import Prefetch, Q
from django.template.loader import render_to_string
from django.views.generic import DetailView

from cooperation import fiscal
from cooperation.caching import placeholders, rollups
from cooperation.desk.rendering import desk_rows_html
from cooperation.desk.selectors import RECENT_ACTIVITIES, desk_rows
from cooperation.mixins import ScopedMixin
from cooperation.models import Activity, Referral
from offices import policies
from offices.models import Municipality, Office

ACTIVITY_MUNICIPALITIES = Activity.municipalities.through


class DeskWork(NamedTuple):
    """The desk's lists as cached: overdue follow-ups and open referrals, recent activities, and their counts."""

    lists_html: str
    recent_html: str
    overdue_count: int
    referral_count: int


class DeskTable(NamedTuple):
    """The jurisdiction table as cached: its markup, how many local governments, how many with stale items."""

    html: str
    count: int
    stale_count: int


def recent_activities(user, office):
    """The latest activities of the center, and those another center logged with local governments it serves.

    Finding them reads every activity of the jurisdiction's local governments (thousands of rows after ten
    years; no plan of one query avoids it): the desk's sections are cached whole for that reason.
    """
    mine_or_with_mine = Q(office=office) | Q(
        pk__in=ACTIVITY_MUNICIPALITIES.objects.filter(municipality__office=office).values("activity")
    )
    return Activity.objects.visible_to(user).filter(mine_or_with_mine).order_by("-date", "-id")


class OfficeDeskView(ScopedMixin, DetailView):
    """Visible to ministry staff whose scope covers the center; everyone else gets a 404."""

    model = Office
    slug_field = "code"
    slug_url_kwarg = "code"
    template_name = "cooperation/office_desk.html"

    def scoped_queryset(self):
        return super().scoped_queryset().select_related("prefecture", "region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        office = self.object
        user = self.request.user
        today = fiscal.today()
        may_write = policies.can(user, policies.ACTIVITY_LOG, office)
        # Below the summary everything is rendered once per generation and kept as markup. The lists are drawn
        # from activities and referrals only, so a stage change leaves them cached; the jurisdiction table shows
        # stages and open referrals, and follows both (cooperation/caching/subscribers.py).
        scope = {"user": user, "office": office.pk, "today": today, "may_write": may_write}
        work = rollups.cached(
            "desk_work",
            lambda: desk_work(user, office, today=today, may_write=may_write),
            depends=rollups.desk_work_depends(office),
            **scope,
        )
        table = rollups.cached(
            "desk_table",
            lambda: desk_table(user, office, today=today, may_write=may_write),
            depends=[*rollups.desk_depends(office), *rollups.desk_work_depends(office)],
            **scope,
        )
        context.update(
            today=today,
            may_write=may_write,
            desk={
                "jurisdiction_count": table.count,
                "stale_count": table.stale_count,
                "overdue_count": work.overdue_count,
                "referral_count": work.referral_count,
            },
            desk_lists=placeholders.fill(work.lists_html, self.request),
            desk_jurisdiction=placeholders.fill(table.html, self.request),
            desk_recent=placeholders.fill(work.recent_html, self.request),
        )
        return context


def _rendering_context(office, may_write: bool, **values) -> dict:
    return {
        "office": office,
        "may_write": may_write,
        "csrf_token": placeholders.csrf(),
        "next_path": placeholders.next_path(),
        **values,
    }


def desk_table(user, office, *, today, may_write: bool) -> DeskTable:
    """The jurisdiction's local governments with adoption, suggestion, stale items and open referrals, rendered."""
    rows = desk_rows(user, office, today=today)
    html = render_to_string(
        "cooperation/includes/desk_jurisdiction.html",
        _rendering_context(
            office, may_write, jurisdiction_rows=desk_rows_html(rows, office=office, may_write=may_write)
        ),
    )
    return DeskTable(html=html, count=len(rows), stale_count=sum(1 for row in rows if row.stale))


def desk_work(user, office, *, today, may_write: bool) -> DeskWork:
    """Overdue follow-ups, open referrals and recent activities, rendered."""
    visible_municipalities = Prefetch(
        "municipalities", queryset=Municipality.objects.visible_to(user).order_by("lg_code")
    )
    overdue = list(
        Activity.objects.visible_to(user)
        .filter(office=office, follow_up_on__lt=today, follow_up_done=False)
        .select_related("item")
        .prefetch_related(visible_municipalities)
        .order_by("follow_up_on", "id")
    )
    # Those to the center's commissioners too: the center records their steps (the name only, no contact).
    open_referrals = list(
        Referral.objects.visible_to(user)
        .open()
        .filter(office=office)
        .select_related("municipality", "commissioner")
        .defer(*[f"commissioner__{name}" for name in ("postal_code", "address", "phone", "email", "note")])
        .order_by("received_on", "id")
    )
    # Also those another center logged with local governments this center serves (a 北海道-wide meeting).
    recent = (
        recent_activities(user, office)
        .select_related("item")
        .prefetch_related(visible_municipalities)
        .order_by("-date", "-id")[:RECENT_ACTIVITIES]
    )
    return DeskWork(
        lists_html=render_to_string(
            "cooperation/includes/desk_lists.html",
            _rendering_context(office, may_write, overdue=overdue, open_referrals=open_referrals),
        ),
        recent_html=render_to_string(
            "cooperation/includes/desk_recent.html", _rendering_context(office, may_write, recent=recent)
        ),
        overdue_count=len(overdue),
        referral_count=len(open_referrals),
    )
