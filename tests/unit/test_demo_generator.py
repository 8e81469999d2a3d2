"""The synthetic household generator: deterministic, valid, varied, exact money."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from datetime import date
from decimal import Decimal
from enum import Enum
from importlib import resources
from typing import Any

import pytest

from lianxin.core.errors import IssueCollector
from lianxin.core.money import parse_yuan
from lianxin.demo.generator import counted_income_fen, generate_households
from lianxin.demo.households import SEED_ARCHIVE_NO, seed_household, v2_showcase_households
from lianxin.eligibility import AssetFacts, ExpenditureFacts, HouseholdFacts, IncomeFacts, MemberFacts
from lianxin.eligibility.params import parse_parameters
from lianxin.eligibility.rules import decide
from lianxin.household import drafts as d
from lianxin.household.enums import EligibilityOutcome, Employment, HardshipCategory, Relation
from lianxin.household.resident_id import Sex, parse_resident_id
from lianxin.household.service import NewHousehold

pytestmark = pytest.mark.no_db

TODAY = date(2026, 5, 20)
REGIONS = ("371002", "371003", "371082", "371083", "371073")


def generate(n: int, seed: int = 1, **overrides: Any) -> list[NewHousehold]:
    kwargs: dict[str, Any] = {"seed": seed, "union_ids": [1], "region_codes": REGIONS, "today": TODAY}
    kwargs.update(overrides)
    return list(generate_households(n, **kwargs))


@pytest.fixture(scope="module")
def many() -> list[NewHousehold]:
    return generate(5_000, seed=20180301)


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def facts(h: NewHousehold) -> HouseholdFacts:
    return HouseholdFacts(
        members=tuple(
            MemberFacts(parse_resident_id(m.id_number, today=TODAY).birth_date, m.health, m.employment)
            for m in h.members
        ),
        incomes=tuple(IncomeFacts(i.kind, parse_yuan(i.monthly_amount), i.member_index) for i in h.incomes),
        expenditures=tuple(ExpenditureFacts(e.kind, parse_yuan(e.annual_amount)) for e in h.expenditures),
        assets=tuple(AssetFacts(a.kind, parse_yuan(a.value), a.count) for a in h.assets),
        major_event_casualty=h.major_event_casualty,
        exclusions=h.exclusions,
    )


def demo_parameters() -> Any:
    text = resources.files("lianxin.seed").joinpath("dibao_371000.json").read_text(encoding="utf-8")
    return parse_parameters(json.loads(text)["versions"][-1]["parameters"])  # the latest version


def test_the_same_seed_gives_the_same_households() -> None:
    assert generate(300, seed=7) == generate(300, seed=7)


def test_different_seeds_give_different_households() -> None:
    first, second = generate(50, seed=7), generate(50, seed=8)

    assert [h.members for h in first] != [h.members for h in second]
    assert sum(a.members == b.members for a, b in zip(first, second, strict=True)) == 0


def test_a_shorter_run_is_a_prefix_of_a_longer_one() -> None:
    assert generate(40, seed=3) == generate(100, seed=3)[:40]


def test_archive_numbers_carry_prefix_year_and_a_running_number() -> None:
    households = generate(3, archive_prefix="BK")

    assert [h.archive_no for h in households] == ["BK20260000001", "BK20260000002", "BK20260000003"]


def test_every_resident_id_is_valid_matches_its_region_and_is_unique(many: list[NewHousehold]) -> None:
    numbers = [m.id_number for h in many for m in h.members]

    for h in many:
        for m in h.members:
            parsed = parse_resident_id(m.id_number, today=TODAY)
            assert parsed.number == m.id_number
            assert parsed.region_code == h.region_code
            assert int(m.id_number[14:17]) >= 100  # 000–099 are left to hand-made records
    assert len(set(numbers)) == len(numbers)
    assert len(numbers) > 10_000


def test_every_household_passes_the_archive_checks(many: list[NewHousehold]) -> None:
    for h in many:
        issues = IssueCollector()
        d.check_archive_no(issues, h.archive_no)
        d.check_phone(issues, h.contact_phone)
        d.check_members(issues, h.members, TODAY)
        d.check_incomes(issues, h.incomes, len(h.members))
        d.check_expenditures(issues, h.expenditures)
        d.check_assets(issues, h.assets)
        assert issues.issues == [], h.archive_no
    assert len({h.archive_no for h in many}) == len(many)


def test_households_have_one_head_and_one_to_six_members(many: list[NewHousehold]) -> None:
    sizes = Counter(len(h.members) for h in many)

    assert all(sum(m.relation is Relation.HEAD for m in h.members) == 1 for h in many)
    assert all(h.members[0].relation is Relation.HEAD for h in many)
    assert set(sizes) == {1, 2, 3, 4, 5, 6}


def test_ages_fit_relations_and_employment(many: list[NewHousehold]) -> None:
    for h in many:
        ages = [age_on(parse_resident_id(m.id_number, today=TODAY).birth_date, TODAY) for m in h.members]
        head_age = ages[0]
        for m, age in zip(h.members, ages, strict=True):
            if m.employment is Employment.PRESCHOOL:
                assert age < 6
            if m.employment is Employment.STUDENT:
                assert 6 <= age <= 22
            if m.employment is Employment.RETIRED:
                assert age >= 55
            if m.relation is Relation.CHILD:
                assert head_age - age >= 15
            if m.relation is Relation.PARENT:
                assert age - head_age >= 20


def test_spouses_are_of_the_other_sex(many: list[NewHousehold]) -> None:
    for h in many:
        sexes = {
            m.relation: parse_resident_id(m.id_number, today=TODAY).sex
            for m in h.members
            if m.relation in (Relation.HEAD, Relation.SPOUSE)
        }
        if Relation.SPOUSE in sexes:
            assert {sexes[Relation.HEAD], sexes[Relation.SPOUSE]} == {Sex.MALE, Sex.FEMALE}


def walk(value: object) -> list[object]:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [x for f in dataclasses.fields(value) for x in walk(getattr(value, f.name))]
    if isinstance(value, (list, tuple)):
        return [x for item in value for x in walk(item)]
    return [value]


def test_no_float_anywhere_and_money_has_two_places(many: list[NewHousehold]) -> None:
    leaves = [leaf for h in many for leaf in walk(h)]
    amounts = [leaf for leaf in leaves if isinstance(leaf, Decimal)]

    assert not [leaf for leaf in leaves if isinstance(leaf, float)]
    assert all(
        type(leaf) in (str, int, bool, Decimal, type(None)) or isinstance(leaf, Enum) for leaf in leaves
    )
    assert amounts
    assert {a.as_tuple().exponent for a in amounts} == {-2}
    assert all(a >= 0 for a in amounts)


def test_incomes_point_at_members_and_wages_at_workers(many: list[NewHousehold]) -> None:
    for h in many:
        for i in h.incomes:
            if i.kind.value == "WAGE":
                assert i.member_index is not None
                assert h.members[i.member_index].employment in (Employment.EMPLOYED, Employment.FLEXIBLE)


def test_a_realistic_share_counts_below_the_standard(many: list[NewHousehold]) -> None:
    below = sum(
        counted_income_fen([m.employment for m in h.members], h.incomes) < 85_000 * len(h.members)
        for h in many
    )

    assert 0.30 <= below / len(many) <= 0.50


def test_the_rules_engine_sees_a_mix_of_outcomes(many: list[NewHousehold]) -> None:
    params = demo_parameters()
    outcomes = Counter(decide(facts(h), params, TODAY).outcome for h in many[:1_000])

    for outcome in (
        EligibilityOutcome.DIBAO,
        EligibilityOutcome.EXPENDITURE_TYPE,
        EligibilityOutcome.NOT_ELIGIBLE,
    ):
        assert outcomes[outcome] >= 100, outcomes


def test_regions_are_served_by_the_union_at_the_same_index() -> None:
    households = generate(200, union_ids=[11, 12, 13], region_codes=["371002", "371003", "371082"])

    assert {(h.union_id, h.region_code) for h in households} == {
        (11, "371002"),
        (12, "371003"),
        (13, "371082"),
    }


@pytest.mark.parametrize(
    ("n", "unions", "regions"), [(-1, [1], ["371002"]), (1, [], ["371002"]), (1, [1], [])]
)
def test_bad_arguments_are_refused(n: int, unions: list[int], regions: list[str]) -> None:
    with pytest.raises(ValueError, match=r"must not be negative|at least one"):
        generate(n, union_ids=unions, region_codes=regions)


def test_the_seed_household_is_worked_example_one_on_any_day() -> None:
    for today in (date(2020, 7, 1), date(2026, 1, 5), date(2026, 12, 31)):
        h = seed_household(1, today)
        births = [parse_resident_id(m.id_number, today=today).birth_date for m in h.members]

        assert h.archive_no == SEED_ARCHIVE_NO
        assert [age_on(b, today) for b in births] == [43, 13]
        assert [int(m.id_number[14:17]) < 100 for m in h.members] == [True, True]
        assert all(x.as_tuple().exponent == -2 for x in walk(h) if isinstance(x, Decimal))
        decision = decide(facts(h), demo_parameters(), today)
        assert decision.outcome is EligibilityOutcome.DIBAO
        assert decision.monthly_benefit_fen == 126_000


def test_the_demo_shows_each_rules_v2_case_on_any_day() -> None:
    o, c = EligibilityOutcome, HardshipCategory
    for today in (date(2025, 1, 1), date(2026, 11, 30), date(2030, 2, 28)):
        cases = v2_showcase_households(1, today)
        for h in cases:
            issues = IssueCollector()
            d.check_members(issues, h.members, today)
            d.check_incomes(issues, h.incomes, len(h.members))
            assert issues.issues == [], h.archive_no
            assert all(int(m.id_number[14:17]) < 100 for m in h.members)  # never a generated number
        decided = [decide(facts(h), demo_parameters(), today) for h in cases]
        assert [(x.outcome, x.suggested_category, x.category_income_fen) for x in decided] == [
            (o.NOT_ELIGIBLE, c.ACCIDENT, 211_111),  # a major-event casualty
            (o.NOT_ELIGIBLE, c.ACCIDENT, 600_000),  # an accident loss above 80% of the income
            (o.MARGINAL, c.RELATIVE, 110_000),
            (o.RIGID_EXPENDITURE, c.DEEP, 8_333),
            (o.DIBAO, None, 75_000),  # excluded: a child at a high-fee private school
        ]
