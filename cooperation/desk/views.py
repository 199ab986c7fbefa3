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


class DeskBody(NamedTuple):
    """The desk's sections as cached: their markup (with placeholders for the request's own values) and counts."""

    html: str
    jurisdiction_count: int
    overdue_count: int
    referral_count: int
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
        # Everything below the summary is rendered once per desk generation and kept as markup: each of its lists
        # is drawn from the center's and its local governments' activities and referrals, whose every change
        # bumps the desk's generations (cooperation/caching/subscribers.py).
        desk = rollups.cached(
            "desk_body",
            lambda: desk_body(user, office, today=today, may_write=may_write),
            user=user,
            depends=rollups.desk_depends(office),
            office=office.pk,
            today=today,
            may_write=may_write,
        )
        context.update(
            today=today,
            may_write=may_write,
            desk=desk,
            desk_sections=placeholders.fill(desk.html, self.request),
        )
        return context


def desk_body(user, office, *, today, may_write: bool) -> DeskBody:
    """Overdue follow-ups, open referrals, the jurisdiction table and recent activities, rendered."""
    visible_municipalities = Prefetch(
        "municipalities", queryset=Municipality.objects.visible_to(user).order_by("lg_code")
    )
    rows = desk_rows(user, office, today=today)
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
    html = render_to_string(
        "cooperation/includes/desk_sections.html",
        {
            "office": office,
            "may_write": may_write,
            "overdue": overdue,
            "open_referrals": open_referrals,
            "jurisdiction_rows": desk_rows_html(rows, office=office, may_write=may_write),
            "recent": recent,
            "csrf_token": placeholders.csrf(),
            "next_path": placeholders.next_path(),
        },
    )
    return DeskBody(
        html=html,
        jurisdiction_count=len(rows),
        overdue_count=len(overdue),
        referral_count=len(open_referrals),
        stale_count=sum(1 for row in rows if row.stale),
    )
