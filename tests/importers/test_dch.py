"""DCH-1 dialogues and the streaming JSON array scanner underneath them."""

from __future__ import annotations

import io
import json
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servicecraft.importers import _jsonstream, detect_format
from servicecraft.importers._jsonstream import TruncatedArray, iter_array
from tests.importers.conftest import read, reasons

DIALOGUES = [
    {
        "id": 1,
        "turns": [
            {"sender": "customer", "utterances": ["Broken", "again"]},
            {"sender": "helpdesk", "utterances": ["Sorry"]},
        ],
        "annotations": [{"quality": {"A": 1}, "nugget": ["CNUG0", "HNUG"]}],
    },
    {"id": 2, "turns": [{"sender": "robot", "utterances": ["x"]}]},
    {"id": "3", "turns": [{"sender": "customer", "utterances": ['hi ] } " \\ [']}]},
]


def test_dialogues_become_conversations(tmp_path: Path) -> None:
    path = tmp_path / "dch.json"
    path.write_text(json.dumps(DIALOGUES, indent=2))
    assert detect_format(str(path)) == "dch"
    good, bad = read(path)
    assert [c.id for c in good] == ["1", "3"]
    first = good[0]
    assert first.channel == "weibo"
    assert [(m.role, m.text) for m in first.messages] == [
        ("customer", "Broken\nagain"),
        ("agent", "Sorry"),
    ]
    assert good[1].messages[0].text == 'hi ] } " \\ ['
    assert reasons(bad) == [
        ("record 2", "turns[0].sender must be 'customer' or 'helpdesk', got 'robot'")
    ]


@pytest.mark.parametrize(
    ("cut", "expected"),
    [
        # In the middle of the third dialogue: the first two still come through.
        (
            -30,
            [
                ("record 2", "turns[0].sender must be 'customer' or 'helpdesk', got 'robot'"),
                ("record 3", "the file ends in the middle of this record"),
            ],
        ),
        # Only the closing bracket is missing: every dialogue is whole, the cut is still reported.
        (
            -1,
            [
                ("record 2", "turns[0].sender must be 'customer' or 'helpdesk', got 'robot'"),
                ("record 4", "the file ends before the closing ']': cut short?"),
            ],
        ),
    ],
)
def test_truncated_file_keeps_what_came_whole(
    tmp_path: Path, cut: int, expected: list[tuple[str, str]]
) -> None:
    path = tmp_path / "dch.json"
    path.write_text(json.dumps(DIALOGUES)[:cut])
    good, bad = read(path, "dch")
    assert [c.id for c in good] == (["1"] if cut == -30 else ["1", "3"])
    assert reasons(bad) == expected


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ("[1]", "a DCH-1 dialogue must be an object, got list"),
        ('{"id": null, "turns": []}', "id must be a non-empty string or number, got None"),
        ('{"id": 5}', "turns must be a list"),
        ('{"id": 5, "turns": [3]}', "turns[0] must be an object"),
        (
            '{"id": 5, "turns": [{"sender": "customer", "utterances": "hi"}]}',
            "turns[0].utterances must be a list of strings",
        ),
        (
            '{"id": 5, "turns": []}}',
            "invalid JSON: unexpected content after document at character 23",
        ),
    ],
)
def test_malformed_dialogues(tmp_path: Path, record: str, reason: str) -> None:
    path = tmp_path / "d.json"
    path.write_text(f"[{record}]")
    good, bad = read(path, "dch")
    assert not good and reasons(bad) == [("record 1", reason)]


def elements(data: bytes, key: bytes | None = None, chunk: int = 3) -> list[bytes]:
    original = _jsonstream.CHUNK
    _jsonstream.CHUNK = chunk  # tiny chunks: every boundary falls somewhere awkward
    try:
        return list(iter_array(io.BytesIO(data), key))
    finally:
        _jsonstream.CHUNK = original


def test_scanner_splits_at_top_level_commas_only() -> None:
    data = b'\xef\xbb\xbf \n[ {"a": [1, {"b": "x,]}"}]}, "s\\"tr\\\\", 3 , [] ,{}]  trailing'
    assert elements(data) == [b'{"a": [1, {"b": "x,]}"}]}', b'"s\\"tr\\\\"', b"3", b"[]", b"{}"]


def test_scanner_finds_an_array_under_a_key() -> None:
    data = b'{"count": 2, "note": "the \\"tickets\\": [x]", "meta": {"tickets": [9]}, "tickets": [{"id": 1}, {"id": 2}], "users": []}'
    assert elements(data, b"tickets") == [b'{"id": 1}', b'{"id": 2}']
    with pytest.raises(KeyError):
        elements(data, b"groups")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", ValueError),
        (b"  \n", ValueError),
        (b'{"a": 1}', ValueError),
        (b"[1, 2", TruncatedArray),
        (b'["abc', TruncatedArray),
    ],
)
def test_scanner_errors(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        elements(data)


def test_scanner_yields_empty_and_broken_elements_for_the_parser_to_reject() -> None:
    assert elements(b"[]") == []
    assert elements(b"[1,,2,]") == [b"1", b"", b"2", b""]
    assert elements(b'[{"a": 1}}, 2]') == [b'{"a": 1}}', b"2"]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=15,
)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(json_values, max_size=6), chunk=st.integers(1, 40), indent=st.booleans())
def test_scanner_agrees_with_a_json_parser(values: list[object], chunk: int, indent: bool) -> None:
    data = orjson.dumps(values, option=orjson.OPT_INDENT_2 if indent else 0)
    assert [orjson.loads(e) for e in elements(data, chunk=chunk)] == values
    wrapped = orjson.dumps({"before": values, "tickets": values, "after": 1})
    assert [orjson.loads(e) for e in elements(wrapped, b"tickets", chunk=chunk)] == values
