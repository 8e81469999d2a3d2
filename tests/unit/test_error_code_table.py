"""The README's table of error codes is complete and true (issue 15): every code the source can give a
caller (`extensions.code` or a payload's `UserError.code`) is in it, and it lists no code the source
cannot give. Codes are collected from the source by the shapes that produce them."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "shared" / "lianxin", ROOT / "services"]
CODE = r"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{4,})"
# a literal in a position that makes it a code
LITERAL_SHAPES = [
    re.compile(r"\b(?:add|single|_refuse|_failed|[A-Za-z]*Error)\(\s*" + '"' + CODE + '"'),
    re.compile(r"[\"']code[\"']\s*:\s*\"" + CODE + '"'),
    re.compile(r"\bcode\s*=\s*\"" + CODE + '"'),
    re.compile(r"graphql_error_response\([^()]*?,[^()]*?,\s*\"" + CODE + '"'),
    re.compile(r"RowError\([^()]*?\"" + CODE + '"'),
    re.compile(r"\bfail\([^()]*?,\s*\"" + CODE + '"'),
]
# a constant in a position that makes it a code, resolved in the same file
NAME_SHAPES = [
    re.compile(r"\b(?:add|single|_refuse|[A-Za-z]*Error|[A-Za-z]*Refused)\(\s*([A-Z][A-Z0-9_]+)\b\s*,"),
    re.compile(r"\bIssueCode\.([A-Z][A-Z0-9_]+)\b"),
    re.compile(r"\b_refuse\([^()]*,\s*([A-Z][A-Z0-9_]+)\)"),
    re.compile(r"\bwith_code\([^()]*(?:\([^()]*\))?[^()]*,\s*([A-Z][A-Z0-9_]+)\)"),
    re.compile(r"[\"']code[\"']\s*:\s*([A-Z][A-Z0-9_]+)\b"),
    re.compile(r"graphql_error_response\([^()]*?,[^()]*?,\s*([A-Z][A-Z0-9_]+)\b"),
]
NOT_CODES = {"NOT_FOUND_MESSAGE"}
TABLE_ROW = re.compile(r"^\|\s*`" + CODE + r"`\s*\|", re.MULTILINE)


def codes_in_source() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for base in SOURCES:
        for path in base.rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            where = str(path.relative_to(ROOT))
            for shape in LITERAL_SHAPES:
                for code in shape.findall(text):
                    found.setdefault(code, set()).add(where)
            for shape in NAME_SHAPES:
                for name in shape.findall(text):
                    value = re.search(rf"^\s*{name}(?::\s*\w+)?\s*=\s*\"{CODE}\"", text, re.MULTILINE)
                    if value:
                        found.setdefault(value.group(1), set()).add(where)
    return found


def codes_in_readme() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Error codes", 1)[1].split("\n## ", 1)[0]
    return TABLE_ROW.findall(section)


def test_every_code_the_source_gives_is_in_the_readme_table() -> None:
    listed = set(codes_in_readme())
    missing = {code: sorted(paths) for code, paths in codes_in_source().items() if code not in listed}
    assert not missing, f"codes missing from README 'Error codes': {missing}"


def test_the_readme_table_lists_only_codes_the_source_gives() -> None:
    listed = codes_in_readme()
    assert len(listed) == len(set(listed)), "a code is listed twice"
    stale = set(listed) - set(codes_in_source())
    assert not stale, f"README lists codes nothing gives: {sorted(stale)}"


def test_the_collector_finds_the_protocol_codes() -> None:
    """A guard on the collector itself: codes given in each of its shapes."""
    found = codes_in_source()
    for code in [
        "GRAPHQL_PARSE_FAILED",
        "GRAPHQL_VALIDATION_FAILED",
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "RATE_LIMITED",
        "REQUEST_TOO_LARGE",
        "QUERY_TOO_COMPLEX",
        "INVALID_PAGINATION",
        "DUPLICATE_NAME",
    ]:
        assert code in found, code
