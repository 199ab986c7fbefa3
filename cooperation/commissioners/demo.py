"""Demo data of the commissioner register: about 5,000 commissioners, deterministic by seed, written in bulk.

- At least one serving commissioner in every municipality, more in cities
  (about 5,000 nationwide); about one municipality in 200 is a vacancy (its
  commissioner retired and no successor is appointed yet) so the "without any commissioner" list
  has something to show, and a few pending recommendations.
- Two-year terms on the common appointment date, 1 April, in two cohorts
  (odd and even years), with earlier terms as history; about one in ten was
  appointed mid-cycle as a successor, so some terms end in any quarter.
- 兼務 (also the municipality's complaint counselor) for a minority: where the
  municipality's 3-1 is at 実施 or 定着, and rarely elsewhere.
- Awards per fiscal year at the real orders of magnitude: about 100 総務大臣表彰,
  250 管区行政評価局長表彰, 400 センター所長感謝状, association awards, and
  governor's/mayor's awards where that local government's 3-2 is adopted.

Everything is recorded by the demo user and removed by the next run.
"""

from __future__ import annotations

import datetime
import functools
import random
from collections import Counter

from django.db import connections, router
from django.utils import timezone

from cooperation.commissioners.models import Commissioner, CommissionerAward, CommissionerBackground, CommissionerTerm
from cooperation.commissioners.services import term_end
from cooperation.fiscal import fiscal_year
from cooperation.models import Progress, Stage
from offices.db import chunks
from offices.models import Municipality

TARGET = 5000
KIND_WEIGHT = {"designated_city": 24.0, "special_ward": 7.0, "city": 3.6, "town": 2.0, "village": 1.2}
BACKGROUNDS = [
    ("元市町村職員", "former municipal staff"),
    ("元都道府県職員", "former prefectural staff"),
    ("元国家公務員", "former national civil servant"),
    ("元警察官", "former police officer"),
    ("元教員", "former teacher"),
    ("士業（弁護士・司法書士・行政書士・税理士等）", "licensed professional"),
    ("民生委員・児童委員", "welfare commissioner"),
    ("自治会・町内会役員", "neighbourhood association officer"),
    ("会社役員・自営業", "company officer or self-employed"),
    ("農業・漁業", "farming or fishing"),
]
SURNAMES = [
    ("佐藤", "さとう"), ("鈴木", "すずき"), ("高橋", "たかはし"), ("田中", "たなか"), ("伊藤", "いとう"),
    ("渡辺", "わたなべ"), ("山本", "やまもと"), ("中村", "なかむら"), ("小林", "こばやし"), ("加藤", "かとう"),
    ("吉田", "よしだ"), ("山田", "やまだ"), ("佐々木", "ささき"), ("山口", "やまぐち"), ("松本", "まつもと"),
    ("井上", "いのうえ"), ("木村", "きむら"), ("林", "はやし"), ("斎藤", "さいとう"), ("清水", "しみず"),
    ("山崎", "やまざき"), ("森", "もり"), ("池田", "いけだ"), ("橋本", "はしもと"), ("阿部", "あべ"),
    ("石川", "いしかわ"), ("山下", "やました"), ("中島", "なかじま"), ("石井", "いしい"), ("小川", "おがわ"),
]  # fmt: skip
GIVEN_NAMES = [
    ("和夫", "かずお"), ("正", "ただし"), ("博", "ひろし"), ("茂", "しげる"), ("勝", "まさる"),
    ("清", "きよし"), ("誠", "まこと"), ("隆", "たかし"), ("修", "おさむ"), ("浩", "ひろし"),
    ("恵子", "けいこ"), ("和子", "かずこ"), ("幸子", "さちこ"), ("洋子", "ようこ"), ("美智子", "みちこ"),
    ("節子", "せつこ"), ("京子", "きょうこ"), ("久美子", "くみこ"), ("由美子", "ゆみこ"), ("裕子", "ゆうこ"),
]  # fmt: skip
# Awards per fiscal year nationwide, with the day they are usually conferred and the title.
MINISTRY_AWARDS = [
    (CommissionerAward.Conferrer.MINISTER, 100, (6, 20), "総務大臣表彰", "功労"),
    (CommissionerAward.Conferrer.BUREAU, 250, (10, 1), "管区行政評価局長表彰", "功労"),
    (CommissionerAward.Conferrer.CENTER, 400, (3, 10), "センター所長感謝状", "感謝状"),
    (CommissionerAward.Conferrer.NATIONAL_ASSOCIATION, 150, (5, 25), "全国行政相談委員連合協議会会長表彰", "功労"),
    (CommissionerAward.Conferrer.REGIONAL_ASSOCIATION, 300, (7, 15), "管区行政相談委員連合協議会会長表彰", "功労"),
]
AWARD_YEARS = 5


def backgrounds_ensure() -> list[CommissionerBackground]:
    for order, (name_ja, name_en) in enumerate(BACKGROUNDS, start=1):
        CommissionerBackground.objects.get_or_create(
            name_ja=name_ja, defaults={"name_en": name_en, "sort_order": order * 10}
        )
    return list(CommissionerBackground.objects.order_by("sort_order", "name_ja"))


def remove(*, user) -> Counter:
    """Remove the register rows the demo user wrote (and nothing anyone else recorded or relies on).

    One DELETE per table (``_raw_delete``, as the collector itself does for
    rows nothing refers to): the ORM's cascade would fetch 30,000 rows first.
    """
    removed = Counter()
    ours = (
        Commissioner.objects.filter(created_by=user)
        .exclude(progress_changes__isnull=False)
        .exclude(awards__progress_changes__isnull=False)
        .exclude(referrals__isnull=False)
    )
    ids = list(ours.values_list("pk", flat=True))
    for chunk in chunks(ids):
        awards = CommissionerAward.objects.filter(commissioner__in=chunk)
        removed["commissioner awards"] += awards._raw_delete(awards.db)
        terms = CommissionerTerm.objects.filter(commissioner__in=chunk)
        terms._raw_delete(terms.db)
        links = Commissioner.backgrounds.through.objects.filter(commissioner__in=chunk)
        links._raw_delete(links.db)
        people = Commissioner.objects.filter(pk__in=chunk)
        removed["commissioners"] += people._raw_delete(people.db)
    return removed


def generate(*, user, seed: int = 2026, today: datetime.date, prefectures: list[str] | None = None) -> Counter:
    """Replace the demo register with a fresh one (same seed and day, same data); returns what it created."""
    remove(user=user)
    return _Generator(user=user, seed=seed, today=today, prefectures=prefectures).run()


class _Generator:
    def __init__(self, *, user, seed: int, today: datetime.date, prefectures):
        self.rng = random.Random(f"commissioners-{seed}")
        self.user, self.today, self.prefectures = user, today, prefectures
        self.fy = fiscal_year(today)

    def run(self) -> Counter:
        backgrounds = backgrounds_ensure()
        query = Municipality.objects.active().select_related("prefecture")
        if self.prefectures:
            query = query.filter(prefecture__code__in=self.prefectures)
        governments = list(query.order_by("lg_code"))
        areas = [m for m in governments if m.kind != Municipality.Kind.PREFECTURE]
        adopted = {
            (municipality_id, code)
            for municipality_id, code in Progress.objects.filter(
                municipality__in=governments, item__code__in=["3-1", "3-2"], stage__in=Stage.adopted()
            ).values_list("municipality_id", "item__code")
        }
        taken = set(Commissioner.objects.values_list("number", flat=True))
        serials = Counter()
        # The national density, also when only some prefectures are generated.
        scale = TARGET / self._national_weight()
        people, terms, links, awards = [], [], [], []
        for municipality in areas:
            expected = KIND_WEIGHT.get(municipality.kind, 1.0) * scale
            count = max(1, int(expected) + (1 if self.rng.random() < expected - int(expected) else 0))
            vacancy = self.rng.random() < 0.005
            concurrent_here = (municipality.pk, "3-1") in adopted or self.rng.random() < 0.03
            for index in range(count):
                status = None
                if vacancy and index == 0:
                    status = Commissioner.Status.RETIRED
                elif vacancy:
                    continue
                person, person_terms = self._person(municipality, serials, taken, status)
                if concurrent_here and index == 0 and status is None:
                    person.counselor_since = person.first_appointed_on - datetime.timedelta(
                        days=self.rng.randint(200, 2000)
                    )
                people.append(person)
                terms.append(person_terms)
            for _retired in range(self.rng.randint(0, 1)):
                person, person_terms = self._person(municipality, serials, taken, Commissioner.Status.RETIRED)
                people.append(person)
                terms.append(person_terms)
            if self.rng.random() < 0.012:
                people.append(self._recommended(municipality, serials, taken))
                terms.append([])
        Commissioner.objects.bulk_create(people, batch_size=1000)
        all_terms = []
        for person, person_terms in zip(people, terms, strict=True):
            for term in person_terms:
                term.commissioner = person
                all_terms.append(term)
            for background in self.rng.sample(backgrounds, k=self.rng.choice([0, 1, 1, 1, 2])):
                links.append(Commissioner.backgrounds.through(commissioner=person, commissionerbackground=background))
        _insert(CommissionerTerm, all_terms)
        _insert(Commissioner.backgrounds.through, links)
        awards = self._awards(people, governments, adopted)
        _insert(CommissionerAward, awards)
        return Counter(
            {
                "commissioners": len(people),
                "commissioner terms": len(all_terms),
                "commissioner awards": len(awards),
            }
        )

    def _national_weight(self) -> float:
        kinds = Counter(
            Municipality.objects.active().exclude(kind=Municipality.Kind.PREFECTURE).values_list("kind", flat=True)
        )
        return sum(KIND_WEIGHT.get(kind, 1.0) * count for kind, count in kinds.items()) or 1.0

    def _number(self, municipality, serials: Counter, taken: set) -> str:
        code = municipality.prefecture.code
        while True:
            serials[code] += 1
            number = f"{code}-{serials[code]:05d}"
            if number not in taken:
                taken.add(number)
                return number

    def _name(self) -> tuple[str, str]:
        surname, surname_kana = self.rng.choice(SURNAMES)
        given, given_kana = self.rng.choice(GIVEN_NAMES)
        return f"{surname} {given}", f"{surname_kana} {given_kana}"

    def _person(self, municipality, serials, taken, status) -> tuple[Commissioner, list[CommissionerTerm]]:
        """A commissioner with every term: a current one (or, with ``status`` retired, a finished career)."""
        rng = self.rng
        if rng.random() < 0.1:
            # A successor appointed mid-cycle, on the first of a month in the last two years.
            months_ago = rng.randint(1, 23)
            year, month = divmod(self.today.year * 12 + self.today.month - 1 - months_ago, 12)
            start = datetime.date(year, month + 1, 1)
        else:
            parity = rng.randint(0, 1)
            year = self.fy if (self.fy - parity) % 2 == 0 else self.fy - 1
            start = datetime.date(year, 4, 1)
        previous = min(int(rng.expovariate(1 / 2.2)), 12)
        if status == Commissioner.Status.RETIRED:
            # Left some time ago (a vacancy: last month) after one or more terms.
            shift = rng.randint(1, 6) * 2
            start = start.replace(year=start.year - shift)
            previous = min(previous, 5)
        starts = [start.replace(year=start.year - 2 * back) for back in range(previous, 0, -1)] + [start]
        term_rows = [
            CommissionerTerm(
                starts_on=begin,
                ends_on=term_end(begin),
                is_reappointment=index > 0,
                recorded_by=self.user,
                recorded_at=self._moment(begin),
            )
            for index, begin in enumerate(starts)
        ]
        name, kana = self._name()
        first = starts[0]
        recommended_on = first - datetime.timedelta(days=rng.randint(45, 120))
        person = Commissioner(
            number=self._number(municipality, serials, taken),
            name=name,
            name_kana=kana,
            municipality=municipality,
            status=Commissioner.Status.REAPPOINTED if previous else Commissioner.Status.APPOINTED,
            appointed_on=start,
            term_ends_on=term_end(start),
            first_appointed_on=first,
            recommended_by=municipality,
            recommended_on=recommended_on,
            address=f"{municipality.prefecture.name}{municipality.name}（デモ用の架空の住所）",
            phone=f"000-0000-{rng.randint(0, 9999):04d}",
            created_by=self.user,
            updated_by=self.user,
            created_at=self._moment(recommended_on),
            updated_at=self._moment(start),
        )
        if status == Commissioner.Status.RETIRED:
            person.status = status
            ended = min(term_end(start), self.today - datetime.timedelta(days=rng.randint(10, 40)))
            person.ended_on = ended
            person.updated_at = self._moment(ended)
        return person, term_rows

    def _recommended(self, municipality, serials, taken) -> Commissioner:
        name, kana = self._name()
        on = self.today - datetime.timedelta(days=self.rng.randint(5, 60))
        return Commissioner(
            number=self._number(municipality, serials, taken),
            name=name,
            name_kana=kana,
            municipality=municipality,
            status=Commissioner.Status.RECOMMENDED,
            recommended_by=municipality,
            recommended_on=on,
            created_by=self.user,
            updated_by=self.user,
            created_at=self._moment(on),
            updated_at=self._moment(on),
        )

    @functools.cache  # noqa: B019 - one generator per run, a few thousand distinct days
    def _moment(self, day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(min(day, self.today), datetime.time(10)))

    def _awards(self, people, governments, adopted) -> list[CommissionerAward]:
        rng = self.rng
        serving = [p for p in people if p.status in Commissioner.Status.serving() or p.ended_on]
        senior = [p for p in serving if p.first_appointed_on and p.first_appointed_on.year <= self.fy - 9] or serving
        share = len(serving) / 5500 if serving else 0
        awards = []
        for year in range(self.fy - AWARD_YEARS + 1, self.fy + 1):
            for conferrer, volume, (month, day), title, tier in MINISTRY_AWARDS:
                when = datetime.date(year if month >= 4 else year + 1, month, day)
                if when > self.today:
                    continue
                pool = senior if conferrer == CommissionerAward.Conferrer.MINISTER else serving
                eligible = [p for p in pool if _serving_on(p, when)]
                for person in rng.sample(eligible, k=min(len(eligible), round(volume * share))):
                    awards.append(self._award(person, conferrer, None, title, tier, when))
            local_day = datetime.date(year, 11, 3)  # 文化の日: the usual day of local merit awards
            if local_day > self.today:
                continue
            by_area: dict[int, list] = {}
            by_prefecture: dict[int, list] = {}
            for person in serving:
                if _serving_on(person, local_day):
                    by_area.setdefault(person.municipality_id, []).append(person)
                    by_prefecture.setdefault(person.municipality.prefecture_id, []).append(person)
            for government in governments:
                if (government.pk, "3-2") not in adopted:
                    continue
                if government.kind == Municipality.Kind.PREFECTURE:
                    pool, conferrer, title = by_prefecture.get(government.prefecture_id, []), "governor", "知事表彰"
                    count = rng.randint(1, 4)
                else:
                    pool, conferrer, title = by_area.get(government.pk, []), "mayor", f"{government.name}功労者表彰"
                    count = 1 if rng.random() < 0.45 else 0
                for person in rng.sample(pool, k=min(len(pool), count)):
                    awards.append(self._award(person, conferrer, government, title, "功労", local_day))
        return awards

    def _award(self, person, conferrer, government, title, tier, when) -> CommissionerAward:
        return CommissionerAward(
            commissioner=person,
            conferrer=conferrer,
            conferred_by=government,
            title=title,
            tier=tier,
            awarded_on=when,
            recorded_by=self.user,
            recorded_at=self._moment(when),
        )


def _serving_on(person: Commissioner, day: datetime.date) -> bool:
    return (
        bool(person.first_appointed_on)
        and person.first_appointed_on <= day
        and (person.ended_on is None or person.ended_on >= day)
    )


def _insert(model, objects) -> None:
    """Insert rows that nothing reads back with one ``executemany`` per 5,000 (no ids needed, no per-row SQL).

    ``bulk_create`` compiles a statement per batch of SQLite's 999 parameters,
    which takes most of the demo's time for 30,000 terms, awards and links.
    """
    if not objects:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    rows = [[field.get_db_prep_save(field.pre_save(obj, add=True), connection) for field in fields] for obj in objects]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])
