"""Synthetic households for the demo and the benchmarks: pure, deterministic for a seed, never real people.

Tuned so that under the demo 低保 parameters (RULES.md) about 40% count less than the 850-yuan standard
per person. Resident IDs use order codes 100–999 only: hand-made records (the seed story) take 000–099.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from lianxin.core.money import fen_to_yuan
from lianxin.household.drafts import AssetDraft, ExpenditureDraft, IncomeDraft, MemberDraft
from lianxin.household.enums import (
    ArchiveLevel,
    AssetKind,
    Employment,
    ExpenditureKind,
    HardshipCategory,
    HardshipReason,
    Health,
    IncomeKind,
    Relation,
)
from lianxin.household.resident_id import Sex, compute_check_char
from lianxin.household.service import NewHousehold

# Surnames common on the Jiaodong peninsula (于 丛 毕 谷 鞠 曲 隋) mixed with the national ones.
SURNAMES: Final = tuple("王张李刘孙于丛毕谷林鞠汤邹宋姜徐赵陈杨周吴郭曲梁高隋董邵程夏")
GIVEN: Final = {
    Sex.MALE: tuple("建国伟军强磊涛明辉志刚勇杰峰鹏海波成东浩宇轩晨阳俊文德福"),
    Sex.FEMALE: tuple("秀丽娟芳敏静霞红梅燕玲婷雪慧琳欣怡佳雨萍英兰凤华桂"),
}
# Share of village households (land rent, cooperative dividends, the rural residents' pension).
RURAL_SHARE: Final = {"371002": 0.15, "371003": 0.5, "371082": 0.45, "371083": 0.55, "371073": 0.6}
RETIREMENT_AGE: Final = {Sex.MALE: 60, Sex.FEMALE: 55}
STANDARD_FEN: Final = 85_000  # the demo standard, used only to pick a plausible category
FIRST_ORDER_CODE: Final = 100  # 000–099 are left to hand-made records
_BUCKET_SIZE: Final = 365 * (1000 - FIRST_ORDER_CODE) // 2
_HEALTHS: Final = tuple(Health)
_SEXES: Final = tuple(Sex)
_ADULT_HEALTH: Final = (40, 22, 14, 9, 15)  # weights in the order of Health
_ELDER_HEALTH: Final = (35, 45, 9, 6, 5)
_CHILD_HEALTH: Final = (88, 4, 2, 3, 3)
_GRAVE: Final = frozenset({Health.CRITICAL_ILLNESS, Health.DISABILITY_SEVERE})
_ILL: Final = frozenset({Health.CHRONIC_ILLNESS, Health.CRITICAL_ILLNESS})
_DISABLED: Final = frozenset({Health.DISABILITY_SEVERE, Health.DISABILITY_MILD})
_WAGE_DEDUCTED: Final = frozenset({Employment.EMPLOYED, Employment.FLEXIBLE})
_WORKING: Final = (Employment.EMPLOYED, Employment.FLEXIBLE, Employment.UNEMPLOYED, Employment.UNABLE_TO_WORK)
_MEDICAL: Final = {  # out-of-pocket yuan a year, by health
    Health.CRITICAL_ILLNESS: (12000, 60000, 500),
    Health.CHRONIC_ILLNESS: (1500, 9000, 100),
    Health.DISABILITY_SEVERE: (2000, 12000, 100),
}


@dataclass(frozen=True)
class _Shape:  # a kind of household: its weight, the head's age range, who lives with the head
    weight: int
    head_ages: tuple[int, int]
    female_head: float
    spouse: bool
    children: tuple[int, int] = (0, 0)
    parents: tuple[int, int] = (0, 0)
    grandchildren: tuple[int, int] = (0, 0)


SHAPES: Final = (
    _Shape(30, (30, 55), 0.3, True, children=(1, 3)),  # a couple raising children
    _Shape(15, (28, 52), 0.6, False, children=(1, 2)),  # a single parent
    _Shape(14, (35, 55), 0.3, True, children=(1, 2), parents=(1, 2)),  # three generations
    _Shape(12, (60, 82), 0.3, True),  # an elderly couple
    _Shape(16, (22, 70), 0.5, False),  # living alone
    _Shape(8, (40, 62), 0.3, True),  # a couple whose children have left
    _Shape(5, (55, 75), 0.5, False, grandchildren=(1, 2)),  # grandparents raising grandchildren
)


@dataclass
class _Person:
    relation: Relation
    surname: str
    name: str
    sex: Sex
    id_number: str
    age: int  # completed years on `today`
    health: Health = Health.HEALTHY
    employment: Employment = Employment.UNEMPLOYED


def _yuan(rng: random.Random, low: int, high: int, step: int = 10) -> int:
    """A random whole amount in fen between `low` and `high` yuan."""
    return rng.randrange(low, high + 1, step) * 100


class _Generator:
    def __init__(self, seed: int, today: date) -> None:
        self.rng, self.today = random.Random(seed), today
        self.born: dict[tuple[str, int, Sex], int] = {}  # people so far per (region, birth year, sex)
        self.region, self.rural = "", False  # of the household being made

    def resident_id(self, year: int, sex: Sex) -> tuple[str, date]:
        """The j-th person of a (region, birth year, sex) gets a (day, order code) pair no earlier one
        had, so a seed never repeats a person, however many households it makes."""
        j = self.born.get((self.region, year, sex), 0)
        if j >= _BUCKET_SIZE:
            raise OverflowError(f"more than {_BUCKET_SIZE} people born in {year} in region {self.region}")
        self.born[(self.region, year, sex)] = j + 1
        # 137 is prime to 365: each run of 365 people fills every day of the year once, scattered.
        born = date(year, 1, 1) + timedelta(days=(j * 137 + year) % 365)
        order = FIRST_ORDER_CODE + 2 * (j // 365) + (1 if sex is Sex.MALE else 0)  # odd = male
        first17 = f"{self.region}{born:%Y%m%d}{order:03d}"
        return first17 + compute_check_char(first17), born

    def name(self, sex: Sex, surname: str | None = None) -> str:
        given = "".join(self.rng.choices(GIVEN[sex], k=self.rng.choice((1, 2, 2))))
        return (surname or self.rng.choice(SURNAMES)) + given

    def person(self, relation: Relation, sex: Sex, age: int, surname: str | None = None) -> _Person:
        age = max(1, min(age, 98))
        id_number, born = self.resident_id(self.today.year - age, sex)
        actual = self.today.year - born.year - ((self.today.month, self.today.day) < (born.month, born.day))
        family = surname or self.rng.choice(SURNAMES)
        p = _Person(relation, family, self.name(sex, family), sex, id_number, actual)
        weights = _CHILD_HEALTH if actual < 18 else _ELDER_HEALTH if actual >= 60 else _ADULT_HEALTH
        p.health = self.rng.choices(_HEALTHS, weights)[0]
        p.employment = self.employment(p)
        return p

    def employment(self, p: _Person) -> Employment:
        if p.age < 6:
            return Employment.PRESCHOOL
        if p.age < 18 or (p.relation in (Relation.CHILD, Relation.GRANDCHILD) and p.age <= 22):
            return Employment.STUDENT
        if p.age >= RETIREMENT_AGE[p.sex]:
            return Employment.RETIRED
        mild = p.health is Health.DISABILITY_MILD
        weights = (0, 25, 10, 65) if p.health in _GRAVE else (20, 45, 35, 0) if mild else (55, 30, 15, 0)
        return self.rng.choices(_WORKING, weights)[0]

    def members(self) -> list[_Person]:
        rng = self.rng
        shape = rng.choices(SHAPES, [s.weight for s in SHAPES])[0]
        head_sex = Sex.FEMALE if rng.random() < shape.female_head else Sex.MALE
        head = self.person(Relation.HEAD, head_sex, rng.randint(*shape.head_ages))
        people, father, mother = [head], head, head
        if shape.spouse:
            other = Sex.MALE if head_sex is Sex.FEMALE else Sex.FEMALE
            spouse = self.person(Relation.SPOUSE, other, head.age + rng.randint(-4, 5))
            people.append(spouse)
            father, mother = (head, spouse) if head_sex is Sex.MALE else (spouse, head)
        for k in self.several(shape.parents):  # the head's father, then mother
            age = head.age + rng.randint(24, 34)
            surname = head.surname if k == 0 else None
            people.append(self.person(Relation.PARENT, (Sex.MALE, Sex.FEMALE)[k], age, surname))
        young = [(Relation.CHILD, mother.age - rng.randint(22, 36)) for _ in self.several(shape.children)]
        young += [(Relation.GRANDCHILD, rng.randint(3, 16)) for _ in self.several(shape.grandchildren)]
        for relation, age in young:
            people.append(self.person(relation, rng.choice(_SEXES), age, father.surname))
        return people

    def several(self, bounds: tuple[int, int]) -> range:
        return range(bounds[0] + sum(self.rng.random() < 0.35 for _ in range(bounds[1] - bounds[0])))

    def incomes(self, people: list[_Person]) -> list[IncomeDraft]:
        rng, rural, out = self.rng, self.rural, list[tuple[IncomeKind, int, int | None]]()
        for i, p in enumerate(people):
            if p.employment is Employment.EMPLOYED:
                out.append((IncomeKind.WAGE, _yuan(rng, 1900, 4200), i))
            elif p.employment is Employment.FLEXIBLE:
                out.append((IncomeKind.WAGE, _yuan(rng, 600, 2600), i))
            elif p.employment is Employment.RETIRED:
                urban = not rural and rng.random() < 0.75  # employee pension, else the rural residents' one
                out.append((IncomeKind.PENSION, _yuan(rng, *(1300, 3200) if urban else (150, 400)), i))
            elif p.employment is Employment.UNEMPLOYED and rng.random() < 0.2:
                out.append((IncomeKind.OTHER, _yuan(rng, 200, 800), i))  # odd jobs
            if p.health in _DISABLED and (p.health is Health.DISABILITY_SEVERE or rng.random() < 0.4):
                out.append((IncomeKind.EXEMPT, _yuan(rng, 60, 300), i))  # disability allowances
        household = (
            (IncomeKind.LAND_RENT, rural and rng.random() < 0.55, (50, 300)),
            (IncomeKind.DIVIDEND, rural and rng.random() < 0.35, (30, 400)),
            (IncomeKind.TRANSFER, rng.random() < 0.35, (200, 1000)),
            (IncomeKind.EXEMPT, rng.random() < 0.1, (100, 500)),  # one-off relief
        )
        out.extend((kind, _yuan(rng, *bounds), None) for kind, present, bounds in household if present)
        return [IncomeDraft(kind, fen_to_yuan(fen), index) for kind, fen, index in out]

    def expenditures(self, people: list[_Person]) -> list[ExpenditureDraft]:
        rng, out = self.rng, []
        for p in people:
            if p.health in _MEDICAL or (p.health is Health.DISABILITY_MILD and rng.random() < 0.3):
                out.append((ExpenditureKind.MEDICAL, _yuan(rng, *_MEDICAL.get(p.health, (500, 3000, 100)))))
            if p.employment is Employment.STUDENT:
                bounds = (600, 3000) if p.age < 15 else (3000, 8000) if p.age < 18 else (8000, 20000)
                out.append((ExpenditureKind.EDUCATION, _yuan(rng, *bounds, 100)))
            elif p.employment is Employment.PRESCHOOL and rng.random() < 0.5:
                out.append((ExpenditureKind.EDUCATION, _yuan(rng, 2000, 6000, 100)))
        if rng.random() < 0.1:
            out.append((ExpenditureKind.OTHER_RIGID, _yuan(rng, 3000, 12000, 500)))  # rent
        return [ExpenditureDraft(kind, fen_to_yuan(fen)) for kind, fen in out]

    def assets(self) -> list[AssetDraft]:
        rng, out = self.rng, []
        if rng.random() < 0.85:
            tier = rng.choices(((200, 5000, 100), (5000, 20000, 500), (20000, 80000, 1000)), (60, 32, 8))[0]
            out.append((AssetKind.DEPOSIT, _yuan(rng, *tier), 1))
        houses = rng.choices((0, 1, 2), (42, 55, 3))[0]
        if houses:
            out.append((AssetKind.HOUSE, _yuan(rng, 80000, 600000, 1000), houses))
        optional = (
            (AssetKind.VEHICLE, 0.1, (3000, 80000, 500)),
            (AssetKind.BUSINESS, 0.03, (5000, 90000, 1000)),
            (AssetKind.SECURITIES, 0.02, (1000, 30000, 500)),
        )
        out.extend((kind, _yuan(rng, *bounds), 1) for kind, share, bounds in optional if rng.random() < share)
        return [AssetDraft(kind, fen_to_yuan(fen), count) for kind, fen, count in out]

    def reasons(self, people: list[_Person], spending: list[ExpenditureDraft]) -> list[HardshipReason]:
        school = sum(e.annual_amount for e in spending if e.kind is ExpenditureKind.EDUCATION)
        facts = {
            HardshipReason.ILLNESS: any(p.health in _ILL for p in people),
            HardshipReason.DISABILITY: any(p.health in _DISABLED for p in people),
            HardshipReason.UNEMPLOYMENT: any(p.employment is Employment.UNEMPLOYED for p in people),
            HardshipReason.EDUCATION: school >= 5000,
            HardshipReason.DISASTER: self.rural and self.rng.random() < 0.015,
            HardshipReason.ACCIDENT: self.rng.random() < 0.03,
        }
        return [reason for reason, holds in facts.items() if holds] or [HardshipReason.OTHER]

    def household(self, archive_no: str, union_id: int, region: str) -> NewHousehold:
        rng = self.rng
        self.region, self.rural = region, rng.random() < RURAL_SHARE.get(region, 0.4)
        people = self.members()
        incomes, expenditures = self.incomes(people), self.expenditures(people)
        reasons = self.reasons(people, expenditures)
        per_capita = counted_income_fen([p.employment for p in people], incomes) // len(people)
        grave = any(p.health in _GRAVE for p in people)
        deep = per_capita < STANDARD_FEN or (grave and per_capita * 2 < STANDARD_FEN * 3)
        category = HardshipCategory.DEEP if deep else HardshipCategory.RELATIVE
        if {HardshipReason.ACCIDENT, HardshipReason.DISASTER} & set(reasons):
            category = HardshipCategory.ACCIDENT
        contact = rng.random() < 0.9
        return NewHousehold(
            union_id=union_id,
            archive_no=archive_no,
            level=rng.choices(tuple(ArchiveLevel), (20, 35, 45) if deep else (8, 27, 65))[0],
            category=category,
            hardship_reasons=reasons,
            region_code=region,
            members=[MemberDraft(p.name, p.relation, p.id_number, p.health, p.employment) for p in people],
            incomes=incomes,
            expenditures=expenditures,
            assets=self.assets(),
            contact_name=self.name(rng.choice(_SEXES)) if contact else None,
            contact_phone=f"1{rng.choice('35789')}{rng.randrange(10**9):09d}" if contact else None,
        )


def counted_income_fen(employments: Sequence[Employment], incomes: Sequence[IncomeDraft]) -> int:
    """RULES.md's counted monthly income I in fen, with the demo wage deduction (20%, at most 200 yuan);
    `employments` are the members' in order. An estimate for choosing categories, not the engine."""
    total = 0
    for income in incomes:
        if income.kind is IncomeKind.EXEMPT:
            continue
        fen = int(income.monthly_amount * 100)
        index = income.member_index
        if income.kind is IncomeKind.WAGE and index is not None and employments[index] in _WAGE_DEDUCTED:
            fen -= min(fen // 5, 20_000)
        total += fen
    return total


def generate_households(
    n: int,
    *,
    seed: int,
    union_ids: Sequence[int],
    region_codes: Sequence[str],
    today: date,
    archive_prefix: str = "WH",
) -> Iterator[NewHousehold]:
    """`n` households numbered f"{archive_prefix}{today.year}{i:07d}" (i from 1), the same for a seed.

    Each household's region is drawn from `region_codes`; region_codes[j] is served by the union
    union_ids[j % len(union_ids)], so pass one union containing every region (the city federation)
    or one union per region, in the same order. Different seeds may reuse resident ID numbers.
    """
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}")
    if not union_ids or not region_codes:
        raise ValueError("at least one union and one region code are needed")
    gen = _Generator(seed, today)
    for i in range(1, n + 1):
        j = gen.rng.randrange(len(region_codes))
        archive_no = f"{archive_prefix}{today.year}{i:07d}"
        yield gen.household(archive_no, union_ids[j % len(union_ids)], region_codes[j])
