"""The center desk's reads: per local government, what it adopted, what its peers did next, what stalled."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from cooperation.models import Progress, Referral, RequestItem, Stage
from offices.models import Municipality, Office

STALE_AFTER = datetime.timedelta(days=365)
# What the desk shows of an item (its code, its title in either language) and what decides whether it applies.
ITEM_NAMES = ("code", "title_ja", "title_en", "scope", "sort_order")
ITEM_FIELDS = tuple(f"item__{name}" for name in ITEM_NAMES)
RECENT_ACTIVITIES = 15
ADOPTED = set(Stage.adopted())


@dataclass
class DeskRow:
    """One local government on the desk."""

    municipality: Municipality
    applicable: int = 0
    adopted: int = 0
    suggestion: "DeskProgress | None" = None
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


class DeskProgress(NamedTuple):
    """One item of a row: what the desk shows of a progress row (its item, stage and date), read as plain values."""

    item: RequestItem
    stage: str
    stage_date: datetime.date | None


def desk_rows(user, office: Office, *, today: datetime.date) -> list[DeskRow]:
    """The jurisdiction's active local governments with suggestion, adoption and stale items.

    Progress rows are read as values (about 470 for 札幌's 52 local governments), with their items' few
    fields, not as model instances: building those was most of the desk's time whenever its table had to be
    computed afresh. Open referrals are counted per local government in a subquery of the same query.
    """
    open_referrals = (
        Referral.objects.open()
        .filter(municipality=OuterRef("pk"))
        .order_by()
        .values("municipality")
        .annotate(n=Count("pk"))
        .values("n")
    )
    municipalities = list(
        Municipality.objects.visible_to(user)
        .active()
        .filter(office=office)
        .annotate(open_referrals=Coalesce(Subquery(open_referrals), 0))
        .order_by("lg_code")
    )
    rows = {municipality.pk: DeskRow(municipality=municipality) for municipality in municipalities}
    items: dict[int, RequestItem] = {}
    progresses = (
        Progress.objects.current()
        .filter(municipality__in=list(rows))
        .order_by("item__sort_order", "item__code")
        .values_list("municipality_id", "item_id", "stage", "stage_date", *ITEM_FIELDS)
    )
    adopted, sizes = peer_adoption({municipality.prefecture_id for municipality in municipalities})
    stale_before = today - STALE_AFTER
    best = {}
    for municipality_id, item_id, stage, stage_date, *item_values in progresses:
        row = rows[municipality_id]
        municipality = row.municipality
        item = items.get(item_id)
        if item is None:  # the item's fields come with its progress rows: no query of their own
            item = items[item_id] = RequestItem(pk=item_id, **dict(zip(ITEM_NAMES, item_values, strict=True)))
        if not item.applies_to(municipality):
            continue
        row.applicable += 1
        if stage in ADOPTED:
            row.adopted += 1
            continue
        progress = DeskProgress(item=item, stage=stage, stage_date=stage_date)
        if stage_date is None or stage_date < stale_before:
            row.stale.append(progress)
        if stage == Stage.NOT_FEASIBLE:
            continue
        peers = adopted[(*_peer_key(municipality.prefecture_id, municipality.kind), item_id)]
        # Items come in the letter's order, so a tie keeps the earlier item.
        if municipality_id not in best or peers > best[municipality_id][0]:
            best[municipality_id] = (peers, progress)
    for municipality_id, (peers, progress) in best.items():
        row = rows[municipality_id]
        row.suggestion = progress
        row.suggestion_peers = peers
        row.peer_total = sizes[_peer_key(row.municipality.prefecture_id, row.municipality.kind)] - 1
    return list(rows.values())
