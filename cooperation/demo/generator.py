"""The generator of the demo history: plans every local government's path, then writes it."""

from __future__ import annotations

import datetime
import hashlib
import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from cooperation.demo.referrals import ReferralPlanner
from cooperation.demo.referrals import write as write_referrals
from cooperation.demo.volumes import (
    CHURN_PER_YEAR,
    FEATURED,
    FEATURED_PLAN,
    HEADS,
    ITEM_ACTIVITY,
    ITEM_EASE,
    ITEM_KINDS,
    KIND_ACTIVITY,
    KIND_PROPENSITY,
    KIND_REFERRALS,
    NOTES,
    OUTCOMES,
    PLACES,
    REASONS,
    REGRESSION_NOTES,
    RESUME_NOTES,
    RUNGS,
    TOPIC_SUMMARIES,
    TOPICS,
)
from cooperation.fiscal import fiscal_year, fiscal_year_end, fiscal_year_label, fiscal_year_start
from cooperation.models import (
    Activity,
    ImportBatch,
    Progress,
    ProgressChange,
    Referral,
    ReferralEvent,
    RequestItem,
    Stage,
)
from cooperation.progress.services import StageChange, progress_update_many
from offices.db import chunks
from offices.models import Municipality, User


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
        counts["referrals"], counts["referral events"] = write_referrals(referrals)
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
        """Each local government's referrals from its first (the evidence of its 2-3) on.

        Those to a commissioner wait in ``self.to_commissioners`` until the register exists.
        """
        planner = ReferralPlanner(rng=self.rng, user=self.user, now=self.now)
        planned, self.to_commissioners = [], []
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
            featured = municipality.lg_code in FEATURED
            if featured:
                # One recent referral still open on the center's desk.
                days.append(max(first.day, self.today - datetime.timedelta(days=self.rng.randint(0, 5))))
            for index, day in enumerate(days):
                keep_open = featured and index == len(days) - 1
                direction = Referral.Direction.TO_CENTER if keep_open else planner.direction(day, first=index == 0)
                referral = self._referral(municipality, day, direction)
                outcome = _weighted(self.rng, OUTCOMES)
                if index == 0 and outcome == Referral.Outcome.WITHDRAWN:
                    outcome = Referral.Outcome.RESOLVED  # a withdrawn referral is no evidence
                events = planner.plan(referral, outcome=outcome, keep_open=keep_open)
                if index == 0:
                    first.referral = referral
                target = self.to_commissioners if direction == Referral.Direction.TO_COMMISSIONER else planned
                target.append((referral, events))
        return planned

    def _referral(self, municipality, day: datetime.date, direction: str) -> Referral:
        rng = self.rng
        topic, _weight, agencies = rng.choices(TOPICS, weights=[weight for _topic, weight, _a in TOPICS])[0]
        return Referral(
            municipality_id=municipality.pk,
            office_id=municipality.office_id,
            direction=direction,
            received_on=day,
            topic=topic,
            agency=rng.choice(agencies),
            summary=rng.choice(TOPIC_SUMMARIES[topic]) + "（個人情報は記載していない）",
            created_at=self._moment(day, lag_days=2),
            created_by=self.user,
        )

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

    def _write_changes(self) -> int:
        """Apply the paths through progress_update_many, step by step, each recorded shortly after its date."""
        rounds = max(len(steps) for steps in self.paths.values()) if self.paths else 0
        written = 0
        last_recorded = {}
        for number in range(rounds):
            todo = [(key, steps[number]) for key, steps in self.paths.items() if number < len(steps)]
            by_batch = defaultdict(list)
            for key, step in todo:
                by_batch[step.batch.pk if step.batch else None].append((key, step))
            for batch_id, entries in sorted(by_batch.items(), key=lambda pair: pair[0] or 0):
                batch = entries[0][1].batch if batch_id else None
                for chunk in chunks(entries, 5000):
                    changes = []
                    for key, step in chunk:
                        moment = batch.created_at if batch else self._moment(step.day, lag_days=2)
                        moment = max(moment, last_recorded.get(key, moment))
                        last_recorded[key] = moment
                        changes.append(
                            StageChange(
                                progress=self.progresses[key],
                                stage=step.stage,
                                effective_date=step.day,
                                note=step.note,
                                activity=step.activity,
                                referral=step.referral,
                                recorded_at=moment,
                            )
                        )
                    records = progress_update_many(changes=changes, by=None, import_batch=batch, recorded_by=self.user)
                    written += len(records)
        surveyed = Progress.objects.current().count()
        for batch in self.batches.values():
            batch.change_count = batch.progress_changes.count()
            batch.row_count, batch.unchanged_count = surveyed, surveyed - batch.change_count
            batch.save(update_fields=["change_count", "row_count", "unchanged_count"])
        return written
