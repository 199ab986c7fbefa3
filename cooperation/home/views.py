"""Homes: "/" is the dashboard for headquarters and bureaus, a center's desk, a prefecture's page,
or a local government's own page; the dashboard carries four summary figures at the top."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.views.generic import ListView, TemplateView

from cooperation import fiscal
from cooperation.desk.selectors import _peer_key, peer_adoption
from cooperation.home.selectors import dashboard_figures, home_role
from cooperation.models import Activity, Progress, Referral, Stage
from cooperation.reporting.dashboard import DashboardView
from offices import policies
from offices.models import Municipality, Office, Role

ADOPTED = set(Stage.adopted())
UPCOMING_LIMIT = 5


class HomeDashboardView(DashboardView):
    """The dashboard with adoption, its change since the fiscal-year end, open referrals and overdue follow-ups."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["figures"] = dashboard_figures(
            self.request.user,
            region=context["region"],
            item=context["item"],
            adoption=context["national"],
            as_of=context["as_of"],
            today=fiscal.today(),
        )
        return context


class HomeView(LoginRequiredMixin, TemplateView):
    """Where every account lands after signing in, chosen by its widest role."""

    template_name = "cooperation/home_municipality.html"

    def get(self, request, *args, **kwargs):
        role = home_role(request.user)
        if role is not None and role.kind == Role.Kind.CENTER:
            return redirect(role.office.get_absolute_url())
        if role is not None and role.kind == Role.Kind.PREFECTURE:
            return redirect(role.prefecture.get_absolute_url())
        if role is not None and role.kind == Role.Kind.MUNICIPALITY:
            return self.render_to_response(municipality_home(request.user, role.municipality))
        return HomeDashboardView.as_view()(request, *args, **kwargs)


def municipality_home(user, municipality: Municipality) -> dict:
    """A local government's own page: each item's stage with what its peers did, open referrals, next activities.

    A fixed number of queries: the peer counts are two aggregates whatever the prefecture's size.
    """
    municipality = Municipality.objects.select_related("prefecture", "office").get(pk=municipality.pk)
    applies = Q() if municipality.is_prefecture else Q(item__scope="all")
    progresses = list(
        Progress.objects.filter(applies, municipality=municipality, item__is_active=True)
        .select_related("item", "updated_by")
        .order_by("item__sort_order", "item__code")
    )
    adopted, sizes = peer_adoption({municipality.prefecture_id})
    key = _peer_key(municipality.prefecture_id, municipality.kind)
    peers = sizes[key] - 1
    rows, suggestion = [], None
    for progress in progresses:
        done_by = adopted[(*key, progress.item_id)] - (1 if progress.stage in ADOPTED else 0)
        rows.append({"progress": progress, "peers_done": done_by, "adopted": progress.stage in ADOPTED})
        if progress.stage in ADOPTED or progress.stage == Stage.NOT_FEASIBLE:
            continue
        if suggestion is None or done_by > suggestion["peers_done"]:
            suggestion = rows[-1]
    today = fiscal.today()
    activities = Activity.objects.visible_to(user).filter(municipalities=municipality).select_related("office", "item")
    adopted_count = sum(1 for row in rows if row["adopted"])
    return {
        "municipality": municipality,
        "rows": rows,
        "peers": peers,
        "suggestion": suggestion if suggestion and suggestion["peers_done"] else None,
        "adopted_count": adopted_count,
        "may_edit": policies.can(user, policies.PROGRESS_CHANGE, municipality),
        "may_file": policies.can(user, policies.REFERRAL_FILE, municipality),
        "open_referrals": list(
            Referral.objects.visible_to(user).open().filter(municipality=municipality).order_by("-received_on", "-id")
        ),
        "upcoming": list(activities.filter(date__gte=today).order_by("date", "id")[:UPCOMING_LIMIT]),
        "recent": list(activities.filter(date__lt=today).order_by("-date", "-id")[:UPCOMING_LIMIT]),
        "today": today,
    }


def _count(queryset):
    """A per-center count as a subquery, so three counts never multiply each other's rows."""
    counted = queryset.filter(office=OuterRef("pk")).order_by().values("office").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


class OfficeListView(LoginRequiredMixin, ListView):
    """Every center desk the user can reach (a bureau reaches each of its centers), with its open work."""

    template_name = "cooperation/office_list.html"
    context_object_name = "offices"

    def get_queryset(self):
        today = fiscal.today()
        return (
            Office.objects.visible_to(self.request.user)
            .select_related("prefecture", "region")
            .annotate(
                municipality_count=_count(Municipality.objects.filter(is_active=True)),
                open_referrals=_count(Referral.objects.open()),
                overdue=_count(Activity.objects.filter(follow_up_on__lt=today, follow_up_done=False)),
            )
            .order_by("sort_order", "code")
        )
