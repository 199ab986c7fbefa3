"""Center desk (センター業務画面): what each local government of the jurisdiction could do next."""

from typing import NamedTuple

from django.db.models import Prefetch, Q
from django.utils.safestring import mark_safe
from django.views.generic import DetailView

from cooperation import fiscal
from cooperation.caching import rollups
from cooperation.desk.rendering import desk_rows_html
from cooperation.desk.selectors import RECENT_ACTIVITIES, desk_rows
from cooperation.mixins import ScopedMixin
from cooperation.models import Activity, Referral
from offices import policies
from offices.models import Municipality, Office

ACTIVITY_MUNICIPALITIES = Activity.municipalities.through


class DeskTable(NamedTuple):
    """The jurisdiction table as cached: its rows' markup, how many local governments, how many with stale items."""

    html: str
    count: int
    stale_count: int


def recent_activities(user, office):
    """The latest activities of the center, and those another center logged with local governments it serves.

    Finding them reads every activity of the jurisdiction's local governments
    (thousands of rows after ten years; no plan of one query avoids it), so
    the ids of the latest are kept in the roll-up cache with the desk's
    generations: logging, changing or cancelling an activity with one of the
    prefecture's local governments or by one of its centers bumps them.
    """
    visible = Activity.objects.visible_to(user).order_by("-date", "-id")
    mine_or_with_mine = Q(office=office) | Q(
        pk__in=ACTIVITY_MUNICIPALITIES.objects.filter(municipality__office=office).values("activity")
    )
    if not rollups.enabled():
        return visible.filter(mine_or_with_mine)  # computed afresh anyway: one query, not two
    ids = rollups.cached(
        "desk_recent_activities",
        lambda: list(visible.filter(mine_or_with_mine).values_list("pk", flat=True)[:RECENT_ACTIVITIES]),
        user=user,
        depends=rollups.desk_depends(office),
        office=office.pk,
    )
    return visible.filter(pk__in=ids)


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
        visible_municipalities = Prefetch(
            "municipalities", queryset=Municipality.objects.visible_to(user).order_by("lg_code")
        )
        activities = Activity.objects.visible_to(user).filter(office=office).select_related("item")
        may_write = policies.can(user, policies.ACTIVITY_LOG, office)

        def jurisdiction():
            rows = desk_rows(user, office, today=today)
            html = desk_rows_html(rows, office=office, may_write=may_write)
            return DeskTable(html=str(html), count=len(rows), stale_count=sum(1 for row in rows if row.stale))

        # The rendered rows are what is kept: cheaper to read back than the rows' model instances.
        table = rollups.cached(
            "desk_table",
            jurisdiction,
            user=user,
            depends=rollups.desk_depends(office),
            office=office.pk,
            today=today,
            may_write=may_write,
        )
        context.update(
            today=today,
            jurisdiction_rows=mark_safe(table.html),
            jurisdiction_count=table.count,
            may_write=may_write,
            overdue=activities.filter(follow_up_on__lt=today, follow_up_done=False)
            .prefetch_related(visible_municipalities)
            .order_by("follow_up_on", "id"),
            # Those to the center's commissioners too: the center records their steps (the name only, no contact).
            open_referrals=Referral.objects.visible_to(user)
            .open()
            .filter(office=office)
            .select_related("municipality", "commissioner")
            .defer(*[f"commissioner__{name}" for name in ("postal_code", "address", "phone", "email", "note")])
            .order_by("received_on", "id"),
            # Also those another center logged with local governments this center serves (a 北海道-wide meeting).
            recent=recent_activities(user, office)
            .select_related("item")
            .prefetch_related(visible_municipalities)
            .order_by("-date", "-id")[:RECENT_ACTIVITIES],
            stale_count=table.stale_count,
        )
        return context
