"""No input crashes an importer: anything but an unreadable file becomes records or rejections."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicecraft.importers import SourceError, iter_raw, parse_raw
from servicecraft.model import Conversation, Rejection

# A fixed seed (derandomize) and a bounded number of cases: the same run in CI every time.
SETTINGS = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
# Times at the ends of the calendar, with offsets that push them past it (issue 12).
edge_times = st.sampled_from(
    [
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:00:00-05:00",
        "0001-01-01T00:00:00",
        "9999-12-31T23:59:59Z",
        "2026-02-30T10:00:00",
        "2026-01-05T10:00:00+25:00",
    ]
)
hostile_text = st.sampled_from(["x" * 300, "a\x00b", "ÉQUIPE", "İstanbul", "\ud800"]) | st.text()
messages = st.lists(
    st.fixed_dictionaries(
        {
            "role": st.sampled_from(["customer", "agent", "system", "bot", 3]) | json_values,
            "text": st.text() | st.integers(),
        },
        optional={
            "at": st.text(max_size=30) | edge_times,
            "author": json_values | hostile_text,
            "department": json_values | hostile_text,
            "public": json_values,
        },
    ),
    max_size=4,
)
conversations = st.fixed_dictionaries(
    {"id": st.text(max_size=10) | st.integers()},
    optional={"messages": messages | json_values, "survey": json_values, "tags": json_values},
)


def run(path: Path, fmt: str | None) -> list[Conversation | Rejection]:
    try:
        items = list(iter_raw(str(path), fmt))
    except SourceError:
        return []
    results = [i if isinstance(i, Rejection) else parse_raw(i) for i in items]
    for item in results:
        assert isinstance(item, Conversation | Rejection)
        # parse_raw's catch-all turns a parser bug into a rejection; none may be needed.
        assert not (isinstance(item, Rejection) and item.reason.startswith("cannot parse:")), item
        if isinstance(item, Conversation):
            assert all(isinstance(m.text, str) for m in item.messages)
    return results


@SETTINGS
@given(data=st.binary(max_size=400), fmt=st.sampled_from(["jsonl", "csv", "dch", "zendesk", None]))
def test_arbitrary_bytes_never_crash(tmp_path: Path, data: bytes, fmt: str | None) -> None:
    path = tmp_path / "input.bin"
    path.write_bytes(data)
    run(path, fmt)


@SETTINGS
@given(records=st.lists(conversations | json_values, max_size=5))
def test_arbitrary_json_records_never_crash(tmp_path: Path, records: list[object]) -> None:
    lines = tmp_path / "input.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in records))
    array = tmp_path / "input.json"
    array.write_text(json.dumps(records))
    document = tmp_path / "export.json"
    document.write_text(json.dumps({"users": records, "tickets": records, "groups": records}))
    cases = [(lines, "jsonl"), (lines, "zendesk"), (array, "dch"), (array, "zendesk")]
    for path, fmt in [*cases, (document, "zendesk"), (lines, None), (array, None)]:
        run(path, fmt)


@SETTINGS
@given(
    rows=st.lists(
        st.lists(
            st.text(max_size=12) | st.sampled_from(["customer", "agent", "2026-03-02T09:00:00Z"]),
            max_size=7,
        ),
        max_size=6,
    )
)
def test_arbitrary_csv_never_crashes(tmp_path: Path, rows: list[list[str]]) -> None:
    import csv

    path = tmp_path / "input.csv"
    with path.open("w", newline="", encoding="utf-8", errors="surrogatepass") as handle:
        writer = csv.writer(handle)
        writer.writerow(["conversation_id", "role", "author", "department", "timestamp", "text"])
        writer.writerows(rows)
    run(path, "csv")
