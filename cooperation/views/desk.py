"""Center desk (センター業務画面): what each local government of the jurisdiction could do next."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q
from django.views.generic import DetailView

from cooperation import fiscal
from cooperation.caching import rollups
from cooperation.models import Activity, Progress, Referral, Stage
from cooperation.views.mixins import ScopedMixin
from offices import policies
from offices.models import Municipality, Office

STALE_AFTER = datetime.timedelta(days=365)
RECENT_ACTIVITIES = 15
ADOPTED = set(Stage.adopted())


@dataclass
class DeskRow:
    """One local government on the desk."""

    municipality: Municipality
    applicable: int = 0
    adopted: int = 0
    suggestion: Progress | None = None
    suggestion_peers: int = 0
    peer_total: int = 0
    stale: list = field(default_factory=list)


def _peer_key(prefecture_id, kind):
    """Municipalities compare with those of their prefecture; prefectural governments with one another."""
    return (None if kind == Municipality.Kind.PREFECTURE else prefecture_id, kind)


def peer_adoption(prefecture_ids) -> tuple[dict, dict]:
    """Adoption counts per (peer group, item) and the size of each peer group.

    A peer group is the local governments of one kind in one prefecture, except
    that prefectural governments (one per prefecture) are compared nationwide.
    Two aggregate queries whatever the number of rows; only totals are shown,
    never another local government.
    """
    in_groups = Q(municipality__prefecture__in=prefecture_ids) | Q(municipality__kind=Municipality.Kind.PREFECTURE)
    adopted = defaultdict(int)
    for prefecture_id, kind, item_id, count in (
        Progress.objects.current()
        .filter(in_groups, stage__in=Stage.adopted())
        .order_by()
        .values("municipality__prefecture", "municipality__kind", "item")
        .annotate(n=Count("id"))
        .values_list("municipality__prefecture", "municipality__kind", "item", "n")
    ):
        adopted[(*_peer_key(prefecture_id, kind), item_id)] += count
    sizes = defaultdict(int)
    for prefecture_id, kind, count in (
        Municipality.objects.active()
        .filter(Q(prefecture__in=prefecture_ids) | Q(kind=Municipality.Kind.PREFECTURE))
        .order_by()
        .values("prefecture", "kind")
        .annotate(n=Count("id"))
        .values_list("prefecture", "kind", "n")
    ):
        sizes[_peer_key(prefecture_id, kind)] += count
    return adopted, sizes


def desk_rows(user, office: Office, *, today: datetime.date) -> list[DeskRow]:
    """The jurisdiction's active local governments with suggestion, adoption and stale items."""
    municipalities = list(
        Municipality.objects.visible_to(user)
        .active()
        .filter(office=office)
        .annotate(open_referrals=Count("referrals", filter=~Q(referrals__status="closed")))
        .order_by("lg_code")
    )
    rows = {municipality.pk: DeskRow(municipality=municipality) for municipality in municipalities}
    progresses = (
        Progress.objects.current()
        .filter(municipality__in=list(rows))
        .select_related("item")
        .order_by("item__sort_order", "item__code")
    )
    adopted, sizes = peer_adoption({municipality.prefecture_id for municipality in municipalities})
    stale_before = today - STALE_AFTER
    best = {}
    for progress in progresses:
        row = rows[progress.municipality_id]
        municipality = row.municipality
        if not progress.item.applies_to(municipality):
            continue
        row.applicable += 1
        if progress.stage in ADOPTED:
            row.adopted += 1
            continue
        if progress.stage_date is None or progress.stage_date < stale_before:
            row.stale.append(progress)
        if progress.stage == Stage.NOT_FEASIBLE:
            continue
        peers = adopted[(*_peer_key(municipality.prefecture_id, municipality.kind), progress.item_id)]
        # Items come in the letter's order, so a tie keeps the earlier item.
        if progress.municipality_id not in best or peers > best[progress.municipality_id][0]:
            best[progress.municipality_id] = (peers, progress)
    for municipality_id, (peers, progress) in best.items():
        row = rows[municipality_id]
        row.suggestion = progress
        row.suggestion_peers = peers
        row.peer_total = sizes[_peer_key(row.municipality.prefecture_id, row.municipality.kind)] - 1
    return list(rows.values())


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
            open_referrals=Referral.objects.visible_to(user)
            .open()
            .filter(office=office)
            .select_related("municipality")
            .order_by("received_on", "id"),
            recent=activities.prefetch_related(visible_municipalities).order_by("-date", "-id")[:RECENT_ACTIVITIES],
            stale_count=sum(1 for row in rows if row.stale),
        )
        return context
