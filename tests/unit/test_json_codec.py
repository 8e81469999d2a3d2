"""JSON columns are decoded by orjson where it gives json.loads's values and by json.loads otherwise
(orjson reads integers beyond 64 bits as floats and refuses numbers beyond a double's range)."""

from __future__ import annotations

import json

import pytest

from lianxin.core.db import _json_loads

pytestmark = pytest.mark.no_db


@pytest.mark.parametrize(
    "text",
    [
        '[{"rule": "R1_MEMBERS", "passed": true, "value": "2", "explanation": "家庭成员 2 人"}]',
        '{"a": 1.5, "b": -0, "c": 1e-7, "d": null, "e": [0.1, 2.675, 1e300]}',
        '{"big": 123456789012345678901234567890, "neg": -98765432109876543210}',
        '"\\u00e9\\ud83d\\ude00"',
        "18446744073709551615",
        "18446744073709551616",
        "[1E400, -1e400, 1e-400, 2.2250738585072011e-308, 0.30000000000000004, 9007199254740993]",
        '{"digits in text": "1234567890123456789012"}',
    ],
)
def test_decoded_like_json_loads(text: str) -> None:
    decoded = _json_loads(text)
    assert decoded == json.loads(text)
    assert json.dumps(decoded) == json.dumps(json.loads(text))  # the same types (int stays int)
