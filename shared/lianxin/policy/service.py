"""Publishing policies: validated parameters, a new version each time, never an edit."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from typing import Any

from lianxin.core.db import UnitOfWork
from lianxin.core.errors import IssueCollector
from lianxin.core.ids import to_global_id
from lianxin.core.region import RegionCodeError, validate_region_code
from lianxin.eligibility import ParameterError, parameters_to_json, parse_parameters
from lianxin.events.outbox import record_event
from lianxin.policy import repository as repo
from lianxin.policy.models import DibaoPolicy


def check_parameters(issues: IssueCollector, raw: object) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        issues.add("INVALID_PARAMETERS", "parameters must be a JSON object", ["parameters"])
        return None
    try:
        return parameters_to_json(parse_parameters(raw))
    except ParameterError as exc:
        for issue in exc.errors:
            path = issue.field if issue.field[:1] == ["parameters"] else ["parameters", *issue.field]
            issues.add(f"PARAMETER_{issue.code}", issue.message, path)
        return None


async def publish_policy(
    uow: UnitOfWork, region_code: str, effective_from: date, raw: object, published_by: str | None
) -> DibaoPolicy:
    """Publish a new policy version for a region; unknown or malformed parameters are refused."""
    issues = IssueCollector()
    try:
        region = validate_region_code(region_code)
    except RegionCodeError as exc:
        issues.add("INVALID_REGION_CODE", str(exc), ["regionCode"])
        region = None
    parameters = check_parameters(issues, raw)
    if region and await repo.policy_exists(uow.conn, region, effective_from):
        issues.add(
            "DUPLICATE_POLICY",
            f"a policy for {region} from {effective_from} exists; publish a new effective date instead",
            ["effectiveFrom"],
        )
    issues.raise_if_any()
    assert region is not None
    assert parameters is not None
    policy = await repo.insert_policy(uow.conn, region, effective_from, parameters, published_by)
    await record_event(
        uow.conn,
        "policy.published",
        to_global_id("DibaoPolicy", policy.id),
        {"regionCode": region, "effectiveFrom": effective_from.isoformat(), "parameters": parameters},
        region_code=region,
    )
    return policy


def seed_policies() -> list[tuple[str, date, dict[str, Any]]]:
    """The demo parameter sets for 371000, oldest first, from `lianxin/seed/dibao_371000.json`: the v1
    version as first published and the RULES.md v2 demo values as a later version (never edited in
    place)."""
    text = resources.files("lianxin.seed").joinpath("dibao_371000.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return [
        (data["regionCode"], date.fromisoformat(v["effectiveFrom"]), v["parameters"])
        for v in data["versions"]
    ]


def seed_policy() -> tuple[str, date, dict[str, Any]]:
    """The latest demo parameter set for 371000 (RULES.md's demo values)."""
    return seed_policies()[-1]
