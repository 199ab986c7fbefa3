"""Center desk (センター業務画面): what each local government of the jurisdiction could do next."""

from django.db.models import Prefetch, Q
from django.views.generic import DetailView

from cooperation import fiscal
from cooperation.caching import rollups
from cooperation.desk.selectors import RECENT_ACTIVITIES, desk_rows
from cooperation.mixins import ScopedMixin
from cooperation.models import Activity, Referral
from offices import policies
from offices.models import Municipality, Office

ACTIVITY_MUNICIPALITIES = Activity.municipalities.through


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
        rows = rollups.cached(
            "desk_rows",
            lambda: desk_rows(user, office, today=today),
            user=user,
            depends=rollups.desk_depends(office),
            office=office.pk,
            today=today,
        )
        context.update(
            today=today,
            rows=rows,
            may_write=policies.can(user, policies.ACTIVITY_LOG, office),
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
            recent=Activity.objects.visible_to(user)
            .filter(
                Q(office=office)
                | Q(pk__in=ACTIVITY_MUNICIPALITIES.objects.filter(municipality__office=office).values("activity"))
            )
            .select_related("item")
            .prefetch_related(visible_municipalities)
            .order_by("-date", "-id")[:RECENT_ACTIVITIES],
            stale_count=sum(1 for row in rows if row.stale),
        )
        return context
