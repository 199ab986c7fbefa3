"""Demo data (デモデータ): a plausible national history of cooperation, deterministic by seed.

What it writes, and how:

- Stage changes go through ``progress_update_many`` (the import's
  path, with every rule: dates never in the future nor before the current
  stage, 当面困難 with a reason, evidence matching its local government and
  item), one round per step so each progress moves in chronological order.
- Activities, their local governments, referrals and referral events are
  written with ``bulk_create``: they carry no rules beyond their own fields,
  and the rows are the ones ``activity_create`` / ``referral_create`` /
  ``referral_transition`` would leave (the first referral moving 2-3 to 実施 is
  replayed as a stage change with the referral as evidence, as the service
  does). This keeps ten years of national data to a few minutes.
- Each finished fiscal year gets a national survey import (ImportBatch), the
  evidence of some of that year's changes.
- Everything is recorded by one inactive system user, ``demo-data``, that
  cannot sign in. As the history is simulated, its recording times are set
  afterwards to shortly after each effective date instead of "now".

Running it again first removes what it wrote before (everything recorded by
``demo-data``, and history resting on it as evidence) and puts the progress
rows it touched back to what the remaining history says, so it never
duplicates. Progress rows that already have other history are left alone.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import connections, router, transaction
from django.utils import timezone

from cooperation import fiscal
from cooperation.commissioners import demo as commissioner_demo
from cooperation.fiscal import fiscal_year, fiscal_year_end, fiscal_year_label, fiscal_year_start
from cooperation.models import (
    Activity,
    Attachment,
    ImportBatch,
    Progress,
    ProgressChange,
    Referral,
    ReferralEvent,
    RequestItem,
    Stage,
)
from cooperation.progress.services import PROGRESS_STATE_FIELDS, StageChange, progress_update_many
from cooperation.referrals.services import REFERRAL_TIMESTAMPS
from offices.db import update_columns
from offices.models import Municipality, User

DEMO_USERNAME = "demo-data"
DEMO_DISPLAY_NAME = "デモデータ（自動生成）"

# The demo accounts' organisations always get a rich history (see offices.services.DEMO_ACCOUNTS).
FEATURED = {
    "012033": "city",  # 小樽市
    "012025": "city",  # 函館市
    "011002": "designated_city",  # 札幌市
    "010006": "prefecture",  # 北海道庁
}
FEATURED_PLAN = {
    "0-1": Stage.ESTABLISHED,
    "1-1": Stage.ESTABLISHED,
    "1-2": Stage.DONE,
    "2-1": Stage.ARRANGING,
    "2-2": Stage.ESTABLISHED,
    "2-3": Stage.DONE,
    "2-4": Stage.CONSIDERING,
    "2-5": Stage.NOT_FEASIBLE,
    "3-1": Stage.NOT_STARTED,
    "3-2": Stage.DONE,
}

# How far each kind of local government tends to go, and how hard each item is.
KIND_PROPENSITY = {
    "prefecture": 1.0,
    "designated_city": 0.95,
    "special_ward": 0.8,
    "city": 0.68,
    "town": 0.55,
    "village": 0.45,
}
ITEM_EASE = {
    "0-1": 1.4,
    "1-2": 1.0,
    "1-1": 0.95,
    "2-2": 0.9,
    "2-1": 0.8,
    "2-3": 0.75,
    "2-4": 0.65,
    "3-2": 0.6,
    "2-5": 0.55,
    "3-1": 0.45,
}
# A progress's drive z = ease × noise reaches 検討中, 調整中, 実施 and 定着 at these values.
RUNGS = (0.2, 0.34, 0.47, 0.75)
# Activities a year per adopted item, for a local government of each kind (× --scale).
KIND_ACTIVITY = {
    "prefecture": 2.0,
    "designated_city": 3.0,
    "special_ward": 1.4,
    "city": 1.1,
    "town": 0.75,
    "village": 0.6,
}
ITEM_ACTIVITY = {
    "2-2": 6.6,
    "1-1": 2.2,
    "2-1": 2.0,
    "1-2": 1.6,
    "2-4": 1.2,
    "3-1": 0.7,
    "3-2": 0.8,
    "2-5": 0.6,
    "0-1": 1.0,
}
# Referrals a year once 2-3 is adopted (× --scale).
KIND_REFERRALS = {
    "prefecture": 6.0,
    "designated_city": 30.0,
    "special_ward": 10.0,
    "city": 6.5,
    "town": 2.5,
    "village": 1.5,
}
CHURN_PER_YEAR = 0.1  # step-back-and-recover cycles a year for a progress that has moved (× --scale)

REASONS = {
    "0-1": ["管内市町村への周知時期を調整中のため"],
    "1-1": ["職員研修の日程に空きがないため", "説明会の対象者を確保できないため"],
    "1-2": ["広報誌の紙面に余裕がないため"],
    "2-1": ["行政相談委員との日程調整がつかないため", "職員体制が整わないため"],
    "2-2": ["会場の確保が困難なため", "相談窓口の人員が不足しているため"],
    "2-3": ["回付の手順を庁内で定められていないため", "相談窓口の体制が整わないため"],
    "2-4": ["防災担当部署との調整がつかないため", "地域防災計画の改定を待っているため"],
    "2-5": ["チャットボット導入の予算が確保できないため", "庁内のシステム方針が未定のため"],
    "3-1": ["苦情相談員を置いていないため", "苦情相談員の兼務について本人の同意が得られないため"],
    "3-2": ["表彰規程の改正予定がないため", "表彰の選定基準の見直しに時間を要するため"],
}
NOTES = {
    Stage.CONSIDERING: ["庁内関係課と協議を開始", "担当課で対応を検討", ""],
    Stage.ARRANGING: ["センターと日程を調整中", "実施方法をセンターと協議中", ""],
    Stage.DONE: ["", "初回を実施"],
    Stage.ESTABLISHED: ["定期的な実施が定着", "年間計画に位置付け"],
}
REGRESSION_NOTES = ["担当者の異動により再調整", "予算措置が見送られたため休止", "実施方法を見直し中"]
RESUME_NOTES = ["体制が整ったため検討を再開", "首長の指示により再検討"]

ITEM_KINDS = {
    "0-1": [(Activity.Kind.OTHER, 1)],
    "1-1": [(Activity.Kind.BRIEFING, 1)],
    "1-2": [(Activity.Kind.PR_ARTICLE, 1)],
    "2-1": [(Activity.Kind.EXCHANGE_MEETING, 1)],
    "2-2": [(Activity.Kind.JOINT_SESSION, 3), (Activity.Kind.VENUE, 1)],
    "2-4": [(Activity.Kind.DISASTER, 1)],
    "2-5": [(Activity.Kind.OTHER, 1)],
    "3-1": [(Activity.Kind.RECOMMENDATION, 1)],
    "3-2": [(Activity.Kind.AWARD, 1)],
}
PLACES = ["公民館", "市民センター", "総合支所", "図書館会議室", "コミュニティセンター", "庁舎会議室"]
HEADS = {
    "prefecture": "知事",
    "designated_city": "市長",
    "city": "市長",
    "special_ward": "区長",
    "town": "町長",
    "village": "村長",
}
TOPICS = [
    (Referral.Topic.PENSION, 20, ["日本年金機構", "厚生労働省"]),
    (Referral.Topic.ROADS, 15, ["国土交通省（国道事務所）", "国土交通省（河川事務所）"]),
    (Referral.Topic.HEALTH, 12, ["厚生労働省（地方厚生局）"]),
    (Referral.Topic.TAX, 10, ["国税庁（税務署）"]),
    (Referral.Topic.LABOUR, 10, ["厚生労働省（労働基準監督署）", "厚生労働省（ハローワーク）"]),
    (Referral.Topic.REGISTRY, 10, ["法務省（法務局）"]),
    (Referral.Topic.TRANSPORT, 6, ["国土交通省（運輸支局）", "総務省（総合通信局）"]),
    (Referral.Topic.AGRICULTURE, 5, ["農林水産省（農政局）"]),
    (Referral.Topic.POSTAL, 5, ["日本郵便株式会社"]),
    (Referral.Topic.DISASTER, 2, ["内閣府（防災担当）"]),
    (Referral.Topic.OTHER, 5, ["各府省"]),
]
TOPIC_SUMMARIES = {
    Referral.Topic.PENSION: [
        "年金の受給資格期間の計算について、窓口では判断できないため回付",
        "年金の振込額の変更理由を知りたいとの相談",
    ],
    Referral.Topic.ROADS: ["国道の歩道の段差が危険との相談", "一級河川の堤防の草刈りの時期についての要望"],
    Referral.Topic.HEALTH: ["医療費の自己負担割合の判定についての相談", "介護保険の国の基準についての問い合わせ"],
    Referral.Topic.TAX: ["相続税の申告手続についての相談", "確定申告の還付が遅いとの相談"],
    Referral.Topic.LABOUR: ["雇用保険の給付期間についての相談", "最低賃金を下回る雇用についての相談"],
    Referral.Topic.REGISTRY: ["相続登記の義務化についての問い合わせ", "地図と現況が異なる土地の登記についての相談"],
    Referral.Topic.TRANSPORT: [
        "路線バスの減便に関する国の補助制度についての相談",
        "携帯電話の不感地域の解消についての要望",
    ],
    Referral.Topic.AGRICULTURE: ["農地転用の許可基準についての相談", "鳥獣被害対策の国の交付金についての問い合わせ"],
    Referral.Topic.POSTAL: ["郵便ポストの撤去についての相談", "郵便局の窓口時間短縮についての要望"],
    Referral.Topic.DISASTER: ["被災住宅の応急修理制度についての相談"],
    Referral.Topic.OTHER: ["国の制度の窓口が分からないとの相談"],
}
OUTCOMES = [
    (Referral.Outcome.RESOLVED, 55),
    (Referral.Outcome.PASSED_TO_AGENCY, 30),
    (Referral.Outcome.OUTSIDE_SCOPE, 10),
    (Referral.Outcome.WITHDRAWN, 5),
]


@dataclass
class Step:
    """One planned change of a progress."""

    day: datetime.date
    stage: str
    note: str = ""
    evidence: str = ""  # "activity", "referral", "import" or ""
    activity: Activity | None = None
    referral: Referral | None = None
    batch: ImportBatch | None = None


@dataclass
class DemoReport:
    removed: Counter = field(default_factory=Counter)
    created: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        removed = ", ".join(f"{name} {count}" for name, count in sorted(self.removed.items())) or "nothing"
        created = ", ".join(f"{name} {count}" for name, count in sorted(self.created.items()))
        return [f"removed: {removed}", f"created: {created}", f"in {self.seconds:.1f} s"]


def demo_user() -> User:
    """The system user every demo row is recorded by: inactive, no roles, no password."""
    user, created = User.objects.get_or_create(
        username=DEMO_USERNAME, defaults={"display_name": DEMO_DISPLAY_NAME, "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def demo_data_remove(*, user: User) -> Counter:
    """Remove every row the generator wrote, and restore the progress rows it moved from what history remains.

    History resting on demo rows as evidence goes with them. Activities and
    referrals are deleted with one statement each once nothing refers to them
    any more: the ORM's cascade would fetch and delete them a hundred at a time.
    """
    removed = Counter()
    changes = (
        ProgressChange.objects.filter(recorded_by=user)
        | ProgressChange.objects.filter(activity__created_by=user)
        | ProgressChange.objects.filter(referral__created_by=user)
        | ProgressChange.objects.filter(import_batch__created_by=user)
    )
    touched = set(changes.values_list("progress_id", flat=True))
    removed["progress changes"] = changes.delete()[0]
    removed["referral events"] = ReferralEvent.objects.filter(referral__created_by=user).delete()[0]
    removed["referrals"] = _delete_created_by(Referral, user)
    Attachment.objects.filter(activity__created_by=user).delete()
    Activity.municipalities.through.objects.filter(activity__created_by=user).delete()
    removed["activities"] = _delete_created_by(Activity, user)
    removed["import batches"] = ImportBatch.objects.filter(created_by=user).delete()[0]
    _restore(touched)
    return +removed


def _delete_created_by(model, user: User) -> int:
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    column = model._meta.get_field("created_by").column
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(model._meta.db_table)} WHERE {quote(column)} = %s", [user.pk])
        return cursor.rowcount


def _restore(progress_ids: set[int]) -> None:
    """Put each progress back to its latest remaining change (or 未着手), with a new version."""
    latest = {}
    for chunk in _chunks(sorted(progress_ids)):
        for change in ProgressChange.objects.filter(progress_id__in=chunk).chronological():
            latest[change.progress_id] = change
        rows = list(Progress.objects.filter(pk__in=chunk))
        for row in rows:
            change = latest.get(row.pk)
            row.stage = change.to_stage if change else Stage.NOT_STARTED
            row.stage_date = change.effective_date if change else None
            row.note = change.note if change else ""
            row.updated_at = change.recorded_at if change else None
            row.updated_by_id = change.recorded_by_id if change else None
            row.version += 1
        update_columns(Progress, PROGRESS_STATE_FIELDS, rows)


def demo_data_generate(
    *, years: int = 3, seed: int = 2026, scale: float = 1.0, prefectures: list[str] | None = None, today=None
) -> DemoReport:
    """Replace the demo data with a fresh, deterministic set: same seed and day, same data.

    ``prefectures`` (JIS codes) limits the new data to those prefectures; the old demo data goes everywhere.
    """
    started = time.monotonic()
    report = DemoReport()
    with transaction.atomic():
        user = demo_user()
        report.removed = demo_data_remove(user=user)
        generator = Generator(years=years, seed=seed, scale=scale, today=today or fiscal.today(), user=user)
        generator.prefectures = prefectures
        report.created = generator.run()
        report.created.update(
            commissioner_demo.generate(user=user, seed=seed, today=generator.today, prefectures=prefectures)
        )
    report.seconds = time.monotonic() - started
    return report


def _chunks(values: list, size: int = 900):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _weighted(rng: random.Random, pairs):
    return rng.choices([value for value, *_rest in pairs], weights=[pair[1] for pair in pairs])[0]


class Generator:
    """Plans every progress's path, the activities and referrals around it, then writes them in bulk."""

    def __init__(self, *, years: int, seed: int, scale: float, today: datetime.date, user: User):
        if years < 1:
            raise ValueError("years must be at least 1")
        self.rng = random.Random(seed)
        self.years, self.scale, self.today, self.user = years, scale, today, user
        self.start = fiscal_year_start(fiscal_year(today) - years + 1)
        self.span = (today - self.start).days
        # Nothing is recorded after the start of ``today``: a fixed moment keeps runs on one day identical.
        self.now = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
        self.time_factor = 1 - math.exp(-years / 2)
        self.prefectures = None

    # Planning -----------------------------------------------------------

    def run(self) -> Counter:
        chosen = Municipality.objects.active()
        if self.prefectures:
            chosen = chosen.filter(prefecture__code__in=self.prefectures)
        municipalities = list(
            chosen.select_related("prefecture")
            .order_by("lg_code")
            .only("pk", "lg_code", "name", "kind", "office", "prefecture__code", "prefecture__name")
        )
        self.items = {item.code: item for item in RequestItem.objects.active()}
        untouched = Progress.objects.current().exclude(pk__in=ProgressChange.objects.values("progress_id"))
        progresses = {(row.municipality_id, row.item_id): row for row in untouched.filter(stage=Stage.NOT_STARTED)}
        prefecture_factor = {}
        for municipality in municipalities:
            code = municipality.prefecture.code
            if code not in prefecture_factor:
                prefecture_factor[code] = self.rng.uniform(0.75, 1.2)
        self.paths: dict[tuple[int, str], list[Step]] = {}
        for municipality in municipalities:
            # Prefectures differ, and so do neighbours of the same kind.
            ease = (
                KIND_PROPENSITY[municipality.kind]
                * prefecture_factor[municipality.prefecture.code]
                * self.rng.uniform(0.75, 1.3)
            )
            for code, item in sorted(self.items.items()):
                progress = progresses.get((municipality.pk, item.pk))
                if progress is None:
                    continue
                steps = self._path(municipality, code, ease)
                if steps:
                    self.paths[(municipality.pk, code)] = steps
        self.progresses = {(m_id, code): progresses[(m_id, self.items[code].pk)] for m_id, code in self.paths}
        self.municipalities = {municipality.pk: municipality for municipality in municipalities}
        activities = self._activities()
        referrals = self._referrals(municipalities)
        self.batches = self._import_batches()
        counts = Counter()
        counts["activities"] = self._write_activities(activities)
        counts["referrals"], counts["referral events"] = self._write_referrals(referrals)
        counts["import batches"] = len(self.batches)
        counts["progress changes"] = self._write_changes()
        return counts

    def _day(self, low: datetime.date, high: datetime.date) -> datetime.date:
        if high <= low:
            return low
        return low + datetime.timedelta(days=self.rng.randint(0, (high - low).days))

    def _target(self, municipality, code: str, ease: float) -> str:
        if municipality.lg_code in FEATURED:
            return FEATURED_PLAN.get(code, Stage.CONSIDERING)
        ease *= ITEM_EASE.get(code, 0.5) * self.time_factor
        if self.rng.random() < 0.025 + 0.06 * max(0.0, 1 - ease):
            return Stage.NOT_FEASIBLE
        drive = ease * self.rng.uniform(0.35, 1.65)
        level = sum(drive >= rung for rung in RUNGS)
        return [Stage.NOT_STARTED, Stage.CONSIDERING, Stage.ARRANGING, Stage.DONE, Stage.ESTABLISHED][level]

    def _path(self, municipality, code: str, ease: float) -> list[Step]:
        """The stages one progress goes through, with dates, notes and the kind of evidence for each step."""
        target = self._target(municipality, code, ease)
        if target == Stage.NOT_STARTED:
            return []
        ladder = [Stage.CONSIDERING, Stage.ARRANGING, Stage.DONE, Stage.ESTABLISHED]
        if target == Stage.NOT_FEASIBLE:
            stages = ([Stage.CONSIDERING] if self.rng.random() < 0.6 else []) + [Stage.NOT_FEASIBLE]
        else:
            top = ladder.index(target)
            stages = [stage for stage in ladder[:top] if stage == Stage.DONE or self.rng.random() < 0.7]
            stages.append(target)
        if municipality.lg_code not in FEATURED:
            for _cycle in range(_poisson(self.rng, CHURN_PER_YEAR * self.years * self.scale)):
                stages += self._detour(stages[-1])
        first = self._day(self.start, self.start + datetime.timedelta(days=int(self.span * 0.55)))
        days = sorted(self._day(first, self.today) for _stage in stages[1:])
        steps = []
        previous = Stage.NOT_STARTED
        for stage, day in zip(stages, [first, *days], strict=True):
            steps.append(Step(day=day, stage=stage, note=self._note(code, previous, stage)))
            previous = stage
        self._choose_evidence(municipality, code, steps)
        return steps

    def _detour(self, stage: str) -> list[str]:
        """A step back and the recovery (an 異動, a budget cut, a 当面困難 later overcome)."""
        if stage in Stage.adopted():
            return [self.rng.choice([Stage.ARRANGING, Stage.CONSIDERING]), stage]
        if stage == Stage.NOT_FEASIBLE:
            return [Stage.CONSIDERING, Stage.ARRANGING]
        return [Stage.NOT_FEASIBLE, stage]

    def _note(self, code: str, previous: str, stage: str) -> str:
        if stage == Stage.NOT_FEASIBLE:
            return self.rng.choice(REASONS.get(code, ["体制が整わないため"]))
        if previous == Stage.NOT_FEASIBLE:
            return self.rng.choice(RESUME_NOTES)
        if Stage.level(previous) is not None and Stage.level(stage) < Stage.level(previous):
            return self.rng.choice(REGRESSION_NOTES)
        return self.rng.choice(NOTES[stage])

    def _choose_evidence(self, municipality, code: str, steps: list[Step]) -> None:
        """The first move to 実施 of 2-3 is a referral (as the service does); others often an activity or a survey."""
        previous = Stage.NOT_STARTED
        first_done = True
        for step in steps:
            moved_to_done = step.stage == Stage.DONE and previous not in Stage.adopted()
            if code == "2-3" and moved_to_done and first_done:
                step.evidence = "referral"
                first_done = False
            elif moved_to_done and code in ITEM_KINDS and self.rng.random() < 0.75:
                step.evidence = "activity"
            elif self.rng.random() < 0.3:
                step.evidence = "import"
            previous = step.stage

    def _adopted_spans(self, steps: list[Step]):
        """(from, to) periods during which the progress was at 実施 or 定着."""
        spans = []
        for index, step in enumerate(steps):
            if step.stage in Stage.adopted():
                end = steps[index + 1].day if index + 1 < len(steps) else self.today
                if end > step.day:
                    spans.append((step.day, end))
        return spans

    def _activities(self) -> list[tuple[Activity, list[int]]]:
        planned = []
        for (municipality_id, code), steps in self.paths.items():
            municipality = self.municipalities[municipality_id]
            for step in steps:
                if step.evidence == "activity":
                    step.activity = self._activity(municipality, code, step.day)
                    planned.append((step.activity, [municipality_id]))
            if code not in ITEM_KINDS:
                continue
            rate = KIND_ACTIVITY[municipality.kind] * ITEM_ACTIVITY.get(code, 0.3) * self.scale
            if municipality.lg_code in FEATURED:
                rate *= 2
            for low, high in self._adopted_spans(steps):
                for _number in range(_poisson(self.rng, rate * (high - low).days / 365)):
                    day = self._day(low, high)
                    planned.append((self._activity(municipality, code, day), [municipality_id]))
        planned.sort(key=lambda entry: (entry[0].date, entry[0].office_id, entry[1]))
        self._follow_ups(planned)
        return planned

    def _activity(self, municipality, code: str, day: datetime.date) -> Activity:
        rng = self.rng
        kind = _weighted(rng, ITEM_KINDS[code])
        name = municipality.name
        month = day.month
        counts = {}
        if kind == Activity.Kind.JOINT_SESSION:
            counts = {"consultations": rng.randint(2, 30), "commissioners_present": rng.randint(2, 6)}
            title = f"{name} 合同行政相談所（{month}月）"
            summary = (
                f"{name}と合同で行政相談所を開設。行政相談委員{counts['commissioners_present']}名が対応し、"
                f"{counts['consultations']}件の相談を受け付けた。主な相談は年金、道路、相続登記など。"
            )
        elif kind == Activity.Kind.VENUE:
            place = rng.choice(PLACES)
            counts = {"consultations": rng.randint(1, 12), "commissioners_present": rng.randint(1, 4)}
            title = f"{name} 行政相談委員の相談会場提供（{place}）"
            summary = f"行政相談委員の定例相談の会場として{place}の提供を受けた。相談{counts['consultations']}件。"
        elif kind == Activity.Kind.BRIEFING:
            counts = {"attendees": rng.randint(8, 60)}
            audience = rng.choice(["職員", "地域おこし協力隊・集落支援員", "新任職員"])
            title = f"{name} {audience}向け行政相談制度説明会"
            summary = (
                f"{audience}を対象に行政相談制度と行政相談委員の役割を説明。参加者{counts['attendees']}名。"
                "国の窓口への回付方法について質問があった。"
            )
        elif kind == Activity.Kind.PR_ARTICLE:
            medium = rng.choice(["広報誌", "ホームページ", "広報誌とホームページ"])
            title = f"{name} {medium}に行政相談の記事を掲載"
            summary = f"{medium}（{month}月）に行政相談委員による無料相談の案内を掲載。相談日程と連絡先を周知。"
        elif kind == Activity.Kind.EXCHANGE_MEETING:
            counts = {"attendees": rng.randint(5, 25), "commissioners_present": rng.randint(2, 8)}
            title = f"{name}職員と行政相談委員との意見交換会"
            summary = (
                f"地域の困りごとの傾向と連携方法について意見交換。行政相談委員{counts['commissioners_present']}名、"
                f"職員{counts['attendees']}名が参加。"
            )
        elif kind == Activity.Kind.DISASTER:
            counts = {"attendees": rng.randint(6, 40), "commissioners_present": rng.randint(1, 5)}
            title = rng.choice([f"{name} 災害時の相談体制に関する打合せ", f"{name} 総合防災訓練への参加"])
            summary = "大規模災害時の特別行政相談所の開設手順と、自治体・行政相談委員の役割分担を確認。"
        elif kind == Activity.Kind.RECOMMENDATION:
            counts = {"people_recommended": rng.randint(1, 3)}
            title = f"{name} 苦情相談員の行政相談委員への推薦"
            summary = f"苦情相談員{counts['people_recommended']}名を行政相談委員の候補として推薦を受けた。"
        elif kind == Activity.Kind.AWARD:
            counts = {"commissioners_awarded": rng.randint(1, 3)}
            head = HEADS[municipality.kind]
            title = f"{name} {head}表彰に行政相談委員が選定"
            summary = f"行政相談委員{counts['commissioners_awarded']}名が{head}表彰（功労者表彰）を受けた。"
        elif code == "0-1":
            title = f"{municipality.prefecture.name} 管内市町村への依頼の周知"
            summary = "市町村担当課長会議で総務大臣メッセージと依頼の趣旨を説明し、文書で周知した。"
        else:
            title = f"{name} 国・地方共通相談チャットボットの導入説明"
            summary = "チャットボットの概要と導入手順、問い合わせ先を説明した。"
        created = self._moment(day, lag_days=3)
        return Activity(
            date=day,
            office_id=municipality.office_id,
            item=self.items[code],
            kind=kind,
            title=title,
            summary=summary,
            created_at=created,
            created_by=self.user,
            **counts,
        )

    def _follow_ups(self, planned) -> None:
        """Some activities get a follow-up date: long past ones done, a few overdue, some still ahead."""
        for activity, _municipality_ids in planned:
            if self.rng.random() >= 0.12:
                continue
            activity.follow_up_on = activity.date + datetime.timedelta(days=self.rng.randint(14, 60))
            overdue = activity.follow_up_on < self.today
            activity.follow_up_done = overdue and (self.today - activity.follow_up_on).days > 45
            if overdue and not activity.follow_up_done and self.rng.random() < 0.5:
                activity.follow_up_done = True
        # Each featured local government keeps one overdue follow-up on its desk.
        featured = [m.pk for m in self.municipalities.values() if m.lg_code in FEATURED]
        for municipality_id in featured:
            candidates = [
                activity
                for activity, ids in planned
                if ids == [municipality_id] and activity.date <= self.today - datetime.timedelta(days=20)
            ]
            if candidates:
                activity = candidates[-1]
                activity.follow_up_on = activity.date + datetime.timedelta(days=14)
                activity.follow_up_done = False

    def _moment(self, day: datetime.date, *, lag_days: int) -> datetime.datetime:
        """A working-hours moment on ``day`` or a few days later, never after now."""
        moment = datetime.datetime.combine(
            day + datetime.timedelta(days=self.rng.randint(0, lag_days)),
            datetime.time(self.rng.randint(9, 17), self.rng.randint(0, 59)),
        )
        return min(timezone.make_aware(moment), self.now)

    def _referrals(self, municipalities) -> list[tuple[Referral, list[ReferralEvent]]]:
        planned = []
        for municipality in municipalities:
            steps = self.paths.get((municipality.pk, "2-3"), [])
            first = next((step for step in steps if step.evidence == "referral"), None)
            if first is None:
                continue
            rate = KIND_REFERRALS[municipality.kind] * self.scale
            days = [first.day] + sorted(
                self._day(first.day, self.today)
                for _number in range(_poisson(self.rng, rate * (self.today - first.day).days / 365))
            )
            if municipality.lg_code in FEATURED:
                # One recent referral still open on the center's desk.
                days.append(max(first.day, self.today - datetime.timedelta(days=self.rng.randint(0, 5))))
            for index, day in enumerate(days):
                referral = self._referral(municipality, day)
                if index == 0:
                    first.referral = referral[0]
                planned.append(referral)
        return planned

    def _referral(self, municipality, day: datetime.date) -> tuple[Referral, list[ReferralEvent]]:
        rng = self.rng
        topic, _weight, agencies = rng.choices(TOPICS, weights=[weight for _topic, weight, _a in TOPICS])[0]
        filed = self._moment(day, lag_days=2)
        referral = Referral(
            municipality_id=municipality.pk,
            office_id=municipality.office_id,
            received_on=day,
            topic=topic,
            agency=rng.choice(agencies),
            summary=rng.choice(TOPIC_SUMMARIES[topic]) + "（個人情報は記載していない）",
            created_at=filed,
            created_by=self.user,
        )
        events = [ReferralEvent(from_status="", to_status=Referral.Status.SUBMITTED, at=filed, by=self.user)]
        outcome = _weighted(rng, OUTCOMES)
        path = [Referral.Status.CLOSED] if outcome == Referral.Outcome.WITHDRAWN else list(REFERRAL_TIMESTAMPS)
        moment = filed
        for status in path:
            moment = moment + datetime.timedelta(
                days=rng.randint(1, 4) if status != Referral.Status.CLOSED else rng.randint(3, 45),
                hours=rng.randint(0, 6),
            )
            if moment > self.now:
                break
            setattr(referral, REFERRAL_TIMESTAMPS[status], moment)
            events.append(ReferralEvent(from_status=referral.status, to_status=status, at=moment, by=self.user))
            referral.status = status
            if status == Referral.Status.CLOSED:
                referral.outcome = outcome
        return referral, events

    def _import_batches(self) -> dict[int, ImportBatch]:
        """One national survey import per finished fiscal year; 'import' steps of that year cite it."""
        batches = {}
        for year in range(fiscal_year(self.start), fiscal_year(self.today)):
            taken = fiscal_year_end(year) + datetime.timedelta(days=25)
            if taken > self.today:
                continue
            name = "{} 連携状況調査.xlsx".format(fiscal_year_label(year).split(" ")[0])
            batches[year] = ImportBatch(
                file_name=name,
                sha256=hashlib.sha256(name.encode()).hexdigest(),
                created_by=self.user,
            )
        for steps in self.paths.values():
            for step in steps:
                if step.evidence == "import":
                    step.batch = batches.get(fiscal_year(step.day))
                    if step.batch is None:
                        step.evidence = ""
        for year, batch in batches.items():
            batch.save()
            # Recorded when the survey was taken in, like the changes it carries.
            taken = timezone.make_aware(datetime.datetime.combine(fiscal_year_end(year), datetime.time(10)))
            batch.created_at = taken + datetime.timedelta(days=25)
            ImportBatch.objects.filter(pk=batch.pk).update(created_at=batch.created_at)
        return batches

    # Writing ------------------------------------------------------------

    def _write_activities(self, planned) -> int:
        Activity.objects.bulk_create([activity for activity, _ids in planned], batch_size=1000)
        through = Activity.municipalities.through
        links = [
            through(activity_id=activity.pk, municipality_id=municipality_id)
            for activity, municipality_ids in planned
            for municipality_id in municipality_ids
        ]
        through.objects.bulk_create(links, batch_size=2000)
        return len(planned)

    def _write_referrals(self, planned) -> tuple[int, int]:
        Referral.objects.bulk_create([referral for referral, _events in planned], batch_size=1000)
        events = []
        for referral, referral_events in planned:
            for event in referral_events:
                event.referral = referral
                events.append(event)
        ReferralEvent.objects.bulk_create(events, batch_size=2000)
        return len(planned), len(events)

    def _write_changes(self) -> int:
        """Apply the paths through progress_update_many, step by step, then date their recording."""
        rounds = max(len(steps) for steps in self.paths.values()) if self.paths else 0
        written = 0
        recorded = []
        last_recorded = {}
        for number in range(rounds):
            todo = [(key, steps[number]) for key, steps in self.paths.items() if number < len(steps)]
            by_batch = defaultdict(list)
            for key, step in todo:
                by_batch[step.batch.pk if step.batch else None].append((key, step))
            for batch_id, entries in sorted(by_batch.items(), key=lambda pair: pair[0] or 0):
                batch = entries[0][1].batch if batch_id else None
                for chunk in _chunks(entries, 5000):
                    changes = [
                        StageChange(
                            progress=self.progresses[key],
                            stage=step.stage,
                            effective_date=step.day,
                            note=step.note,
                            activity=step.activity,
                            referral=step.referral,
                        )
                        for key, step in chunk
                    ]
                    records = progress_update_many(changes=changes, by=None, import_batch=batch)
                    for (key, step), record in zip(chunk, records, strict=True):
                        moment = batch.created_at if batch else self._moment(step.day, lag_days=2)
                        moment = max(moment, last_recorded.get(key, moment))
                        record.recorded_at, record.recorded_by = moment, self.user
                        last_recorded[key] = moment
                        recorded.append(record)
                    written += len(records)
        update_columns(ProgressChange, ["recorded_at", "recorded_by"], recorded)
        moved = []
        for key, moment in last_recorded.items():
            progress = self.progresses[key]
            progress.updated_at, progress.updated_by = moment, self.user
            moved.append(progress)
        update_columns(Progress, ["updated_at", "updated_by"], moved)
        surveyed = Progress.objects.current().count()
        for batch in self.batches.values():
            batch.change_count = batch.progress_changes.count()
            batch.row_count, batch.unchanged_count = surveyed, surveyed - batch.change_count
            batch.save(update_fields=["change_count", "row_count", "unchanged_count"])
        return written
