"""Reads for the homes: which post a user acts in first, where the navigation goes, the summary figures."""

import datetime
from dataclasses import dataclass
from functools import lru_cache

from django.db.models import Count, Q
from django.urls import get_script_prefix, get_urlconf
from django.urls import reverse as _reverse
from django.utils.translation import gettext as _

from cooperation.caching import rollups
from cooperation.models import Activity, ProgressChange, Referral, Stage
from cooperation.progress.models import applicable_q
from cooperation.reporting import rollups as reports
from offices import scopes
from offices.models import Role

# The post a user with several roles lands in: the widest first.
PRECEDENCE = [
    Role.Kind.HEADQUARTERS,
    Role.Kind.BUREAU,
    Role.Kind.CENTER,
    Role.Kind.PREFECTURE,
    Role.Kind.MUNICIPALITY,
]


@lru_cache(maxsize=256)
def _reversed(name: str, prefix: str, urlconf) -> str:
    return _reverse(name)


def reverse(name: str) -> str:
    """``reverse(name)`` of a route without arguments, worked out once per process (the header's ~20 links)."""
    return _reversed(name, get_script_prefix(), get_urlconf())


def home_role(user) -> Role | None:
    """The user's widest role (headquarters before bureau before center …); None without a role."""
    roles = list(getattr(user, "scope_roles", []) or [])
    if not roles:
        return None
    return min(roles, key=lambda role: PRECEDENCE.index(role.kind))


def home_url(user) -> str:
    """Where the user's home is: a center's desk, a prefecture's page, or the home route itself."""
    role = home_role(user)
    if role is not None and role.kind == Role.Kind.CENTER:
        return role.office.get_absolute_url()
    if role is not None and role.kind == Role.Kind.PREFECTURE:
        return role.prefecture.get_absolute_url()
    return reverse("cooperation:home")


@dataclass(frozen=True)
class NavItem:
    url: str
    label: str
    current: bool = False
    secondary: bool = False
    starts_group: bool = False


def _kinds(user) -> set[str]:
    return {role.kind for role in getattr(user, "scope_roles", [])}


def nav_items(user, path: str) -> list[NavItem]:
    """Exactly the places the user's roles can go, the one holding ``path`` marked current.

    Built from the roles already loaded for scope checks: no query.
    """
    if not getattr(user, "is_authenticated", False):
        return [NavItem(reverse("login"), _("Sign in"), current=path.startswith(reverse("login")))]
    kinds = _kinds(user)
    ministry = bool(kinds & {Role.Kind.HEADQUARTERS, Role.Kind.BUREAU, Role.Kind.CENTER})
    wide = bool(kinds & {Role.Kind.HEADQUARTERS, Role.Kind.BUREAU}) or not kinds
    # A center's desk or a prefecture's page is that user's home: no second link to the same place.
    places: list[tuple[str, str]] = []
    if home_url(user) == reverse("cooperation:home"):
        places.append((reverse("cooperation:home"), _("Home")))
    for role in sorted(user.scope_roles, key=lambda role: PRECEDENCE.index(role.kind)):
        if role.kind == Role.Kind.CENTER:
            places.append((role.office.get_absolute_url(), _("Desk: {name}").format(name=role.office.label)))
        elif role.kind == Role.Kind.PREFECTURE:
            places.append((role.prefecture.get_absolute_url(), role.prefecture.display_name))
        elif role.kind == Role.Kind.MUNICIPALITY and len(user.scope_roles) > 1:
            places.append((role.municipality.get_absolute_url(), role.municipality.name))
    if wide:
        places.append((reverse("cooperation:office_list"), _("Center desks")))
    elif ministry:
        places.append((reverse("cooperation:dashboard"), _("Dashboard")))
    if scopes.can_write_anything(user):
        places.append((reverse("cooperation:progress_grid"), _("Update stages")))
    if kinds != {Role.Kind.MUNICIPALITY}:
        places.append((reverse("cooperation:municipality_list"), _("Local governments")))
    places += [
        (reverse("cooperation:activity_list"), _("Activities")),
        (reverse("cooperation:referral_list"), _("Referrals")),
        (reverse("cooperation:session_calendar"), _("Calendar")),
        (reverse("cooperation:commissioner_overview"), _("Commissioners")),
        (reverse("cooperation:disaster_list"), _("Disasters")),
        (reverse("cooperation:progresschange_list"), _("History")),
        (reverse("cooperation:survey_export"), _("Survey")),
    ]
    if ministry:
        places.append((reverse("cooperation:yearly_list"), _("Yearly report")))
    if scopes.can_manage_users(user):
        places.append((reverse("offices:user_list"), _("Accounts")))
    seen: set[str] = set()
    unique = [place for place in places if not (place[0] in seen or seen.add(place[0]))]
    current = _current(path, [url for url, _label in unique], home=home_url(user))
    items = [NavItem(url, label, current=url == current) for url, label in unique]
    secondary = [
        NavItem(reverse("api:apitoken_list"), _("API tokens"), current=path == reverse("api:apitoken_list")),
        NavItem(reverse("password_change"), _("Change password"), current=path == reverse("password_change")),
    ]
    if user.is_staff:
        secondary.insert(0, NavItem(reverse("admin:index"), _("Administration")))
    first = secondary[0]
    secondary[0] = NavItem(first.url, first.label, current=first.current, secondary=True, starts_group=True)
    return items + secondary


def _current(path: str, urls: list[str], *, home: str) -> str | None:
    """The longest place that holds ``path``; the home route only on itself."""
    root = reverse("cooperation:home")
    if path == root:
        return root
    matches = [url for url in urls if url != root and path.startswith(url)]
    if matches:
        return max(matches, key=len)
    return None


@dataclass(frozen=True)
class Figures:
    """The four numbers at the top of the dashboard, over the user's scope (and region, if chosen)."""

    adoption: reports.Share
    baseline: reports.Share
    baseline_date: datetime.date
    open_referrals: int
    overdue_follow_ups: int

    @property
    def change_points(self) -> float | None:
        if self.adoption.percent is None or self.baseline.percent is None:
            return None
        return round(self.adoption.percent, 1) - round(self.baseline.percent, 1)


def dashboard_figures(
    user, *, region, item, adoption: reports.Share, as_of: datetime.date, today: datetime.date
) -> Figures:
    """Adoption at ``as_of`` and at the fiscal-year end before it, open referrals, overdue follow-ups.

    The baseline is drawn from the history, not from a second pass over the
    progress rows: the adopted pairs at ``as_of`` minus those that entered 実施
    or 定着 since the fiscal-year end plus those that left it (every change of
    stage is in the history). Three queries, none of them over the progress table.
    """
    baseline_date = reports.previous_fiscal_year_end(as_of)
    adopted = Stage.adopted()
    changes = ProgressChange.objects.visible_to(user).filter(
        reports.in_region(region, "progress__municipality__prefecture__region"),
        applicable_q("progress__"),
        progress__municipality__is_active=True,
        progress__item__is_active=True,
        effective_date__gt=baseline_date,
        effective_date__lte=as_of,
    )
    if item is not None:
        changes = changes.filter(progress__item=item)
    crossing = {
        "entered": Count("pk", filter=Q(to_stage__in=adopted) & ~Q(from_stage__in=adopted)),
        "left": Count("pk", filter=Q(from_stage__in=adopted) & ~Q(to_stage__in=adopted)),
    }

    def by_prefecture(prefecture_ids):
        rows = (
            changes.filter(progress__municipality__prefecture__in=prefecture_ids)
            .order_by()
            .values("progress__municipality__prefecture")
            .annotate(**crossing)
            .values_list("progress__municipality__prefecture", "entered", "left")
        )
        return {prefecture_id: (entered, left) for prefecture_id, entered, left in rows}

    # Headquarters and bureaus: kept per prefecture, so a change in one prefecture recounts only its part.
    parts = rollups.per_prefecture(
        "moved-since-year-end",
        by_prefecture,
        user=user,
        region=region,
        item=item and item.pk,
        baseline=baseline_date,
        as_of=as_of,
    )
    if parts is None:
        moved = changes.aggregate(**crossing)
    else:
        counted = [part for part in parts.values() if part is not None]
        moved = {"entered": sum(part[0] for part in counted), "left": sum(part[1] for part in counted)}
    baseline = reports.Share(adoption.adopted - moved["entered"] + moved["left"], adoption.total)
    open_referrals = (
        Referral.objects.visible_to(user)
        .open()
        .filter(reports.in_region(region, "municipality__prefecture__region"))
        .count()
    )
    overdue = (
        Activity.objects.visible_to(user)
        .filter(reports.in_region(region, "office__prefecture__region"), follow_up_on__lt=today, follow_up_done=False)
        .count()
    )
    return Figures(
        adoption=adoption,
        baseline=baseline,
        baseline_date=baseline_date,
        open_referrals=open_referrals,
        overdue_follow_ups=overdue,
    )
