"""Files as a whole: format detection, one-line source errors, streaming, the examples folder."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from servicecraft.importers import FORMATS, SourceError, detect_format, iter_raw, read_conversations
from servicecraft.importers._detect import open_error
from servicecraft.model import Conversation, Rejection
from tests.importers.conftest import read, reasons

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CONVERSATION = {"id": "c1", "messages": [{"role": "customer", "text": "hi"}]}
TICKET = {"id": 1, "comments": [{"author_id": 1, "body": "hi"}]}
DIALOGUE = {"id": 1, "turns": [{"sender": "customer", "utterances": ["hi"]}]}


@pytest.mark.parametrize(
    ("name", "content", "fmt"),
    [
        ("a.jsonl", json.dumps(CONVERSATION) + "\n", "jsonl"),
        ("a.ndjson", json.dumps(TICKET) + "\n", "zendesk"),
        ("a.json", json.dumps(CONVERSATION) + "\n", "jsonl"),
        ("a.jsonl", "\ufeff" + json.dumps(TICKET) + "\n" + json.dumps(TICKET), "zendesk"),
        ("a.jsonl", "not json\n", "jsonl"),  # its records are rejected one by one
        ("a.json", json.dumps({"tickets": [TICKET]}), "zendesk"),
        ("a.json", json.dumps({"users": [], "tickets": [TICKET]}, indent=2), "zendesk"),
        ("a.json", json.dumps([TICKET], indent=2), "zendesk"),
        ("a.json", json.dumps([DIALOGUE]), "dch"),
        ("a.txt", "  \n" + json.dumps([DIALOGUE, DIALOGUE]), "dch"),
        (
            "a.json",
            json.dumps([dict(DIALOGUE, pad="x" * 70_000)]),
            "dch",
        ),  # first element > sniffed bytes
        ("a.jsonl", json.dumps(dict(CONVERSATION, note='the "comments" key')) + "\n", "jsonl"),
        ("a.csv", "conversation_id,role,text\n", "csv"),
        ("export", "conversation_id,role,text\nc,agent,hi\n", "csv"),
    ],
)
def test_detection(tmp_path: Path, name: str, content: str, fmt: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert detect_format(str(path)) == fmt


@pytest.mark.parametrize(
    ("name", "content", "fmt", "message"),
    [
        ("missing.jsonl", None, None, "no such file"),
        ("empty.json", b"", None, "the file is empty"),
        ("blank.jsonl", b"\xef\xbb\xbf\n \n", None, "the file is empty"),
        ("blank.jsonl", b"\n\n", "jsonl", "the file is empty"),
        ("blank.json", b"  ", "dch", "the file is empty"),
        (
            "weird.json",
            b"[1, 2, 3]",
            None,
            "a JSON array of unknown records; name the format with --from (jsonl, csv, dch, zendesk)",
        ),
        ("notes.txt", b"hello world", None, "cannot tell the format"),
        ("d.json", b'{"turns": []}', "dch", "the document is not a JSON array"),
        ("x.jsonl", b"{}", "xml", "unknown format 'xml'; choose one of jsonl, csv, dch, zendesk"),
    ],
)
def test_unreadable_sources_are_one_line(
    tmp_path: Path, name: str, content: bytes | None, fmt: str | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SourceError) as info:
        list(iter_raw(str(path), fmt))
    assert str(info.value).startswith(f"{path}: {message}")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("fmt", [None, *FORMATS])
def test_a_directory_is_a_source_error(tmp_path: Path, fmt: str | None) -> None:
    with pytest.raises(SourceError, match="is a directory"):
        list(iter_raw(str(tmp_path), fmt))


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (PermissionError(13, "Permission denied"), "x.jsonl: permission denied"),
        (OSError(5, "Input/output error"), "x.jsonl: cannot read the file: Input/output error"),
    ],
)
def test_system_errors_become_one_line(error: OSError, message: str) -> None:
    # Tested on the mapping: these tests may run as root, who can read any file.
    assert str(open_error("x.jsonl", error)) == message


@pytest.mark.parametrize(
    ("fmt", "first", "tail"),
    [
        ("jsonl", json.dumps(CONVERSATION).encode() + b"\n", b"{garbage"),
        ("dch", b"[" + json.dumps(DIALOGUE).encode() + b",", b'{"id": 2, "tu'),
    ],
)
def test_first_record_arrives_before_the_file_is_written(
    fmt: str, first: bytes, tail: bytes, tmp_path: Path
) -> None:
    """Through a pipe, the first record comes out while the writer still holds the rest:
    proof that the splitter streams instead of reading the whole file first."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    first_seen = threading.Event()
    waited: list[bool] = []

    def writer() -> None:
        with open(fifo, "wb") as pipe:
            pipe.write(first)
            pipe.flush()
            waited.append(first_seen.wait(timeout=20))  # safety net: never hang the suite
            pipe.write(tail)

    thread = threading.Thread(target=writer)
    thread.start()
    records = iter_raw(str(fifo), fmt)
    head = next(records)
    first_seen.set()
    rest = list(records)
    thread.join()
    assert waited == [True]
    assert not isinstance(head, Rejection) and head.location in ("line 1", "record 1")
    # The garbage tail is still reported, after the good record.
    assert [r.location for r in rest] == ["line 2" if fmt == "jsonl" else "record 2"]


def test_examples_folder_gives_the_documented_results() -> None:
    files = [
        "chats.csv",
        "dch.json",
        "zendesk.json",
        "zendesk.ndjson",
        "malformed.jsonl",
        "malformed.csv",
    ]
    items = list(read_conversations([str(EXAMPLES / name) for name in files]))
    ids = [c.id for c in items if isinstance(c, Conversation)]
    assert ids == [
        "ord-1001",
        "ord-1002",
        "4001",
        "4002",
        "zendesk-35436",
        "zendesk-35437",
        "zendesk-35438",
        "ok-1",
        "ok-2",
        "ok-10",
    ]
    rejected = [
        (Path(r.source).name, r.location, r.reason) for r in items if isinstance(r, Rejection)
    ]
    assert rejected == [
        (
            "malformed.jsonl",
            "line 2",
            "messages[0].role must be one of customer, agent, system; got 'bot'",
        ),
        ("malformed.jsonl", "line 3", "invalid JSON: unexpected end of data at character 34"),
        ("malformed.jsonl", "line 4", "messages[0].at is not an ISO 8601 time: 'last Tuesday'"),
        ("malformed.csv", "line 5", "role must be one of customer, agent, system; got 'bot'"),
        ("malformed.csv", "line 6", "timestamp is not an ISO 8601 time: 'yesterday'"),
        (
            "malformed.csv",
            "line 7",
            "rows of conversation 'ok-10' appear again after line 3; keep the rows of one conversation together",
        ),
    ]


def test_examples_zendesk_layouts_agree() -> None:
    (ndjson_ticket, *_), _ = read(EXAMPLES / "zendesk.ndjson")
    assert [m.role for m in ndjson_ticket.messages] == ["customer", "agent", "customer"]
    assert reasons(read(EXAMPLES / "zendesk.json")[1]) == []
