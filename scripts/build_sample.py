"""Build src/servicecraft/data/sample.jsonl: handwritten conversations plus DCH-1 dialogues.

    python scripts/build_sample.py [--data ../shared/data] [--count 294]

Deterministic: the same inputs give the same file, byte for byte. The handwritten
conversations are in scripts/handcrafted.yaml; DCH-1 (NTCIR-14 STC-3, CC BY 4.0) is read
from the shared data folder, which the package never needs at run time. See
src/servicecraft/data/ATTRIBUTION.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "servicecraft" / "data" / "sample.jsonl"
HANDCRAFTED = Path(__file__).resolve().parent / "handcrafted.yaml"
ROLES = ("customer", "agent", "system")


def dch_records(path: Path, count: int) -> list[dict[str, Any]]:
    """``count`` DCH-1 dialogues, chosen by a stable hash of their ids, in our JSONL form."""
    dialogues = json.loads(path.read_text(encoding="utf-8"))
    chosen = sorted(dialogues, key=lambda d: hashlib.sha256(str(d["id"]).encode()).hexdigest())
    records = []
    for d in sorted(chosen[:count], key=lambda d: str(d["id"])):
        messages = [
            {
                "role": "customer" if turn["sender"] == "customer" else "agent",
                # One message per turn: a turn is what one side said before the other replied.
                "text": "\n".join(turn["utterances"]),
            }
            for turn in d["turns"]
        ]  # the annotations are left out: the sample is for scoring, not for training
        records.append({"id": f"dch1-{d['id']}", "channel": "weibo", "messages": messages})
    return records


def handcrafted_records(path: Path = HANDCRAFTED) -> list[dict[str, Any]]:
    """The handwritten conversations: ``{min, <role>: author, department?, public?, text}``."""
    records = []
    for item in yaml.safe_load(path.read_text(encoding="utf-8")):
        start = datetime.fromisoformat(item["start"])
        record: dict[str, Any] = {"id": item["id"], "channel": item["channel"]}
        record["messages"] = [_message(m, start, item["id"]) for m in item["messages"]]
        if item.get("survey"):
            record["survey"] = item["survey"]
        records.append(record)
    return records


def _message(item: dict[str, Any], start: datetime, cid: str) -> dict[str, Any]:
    roles = [r for r in ROLES if r in item]
    if len(roles) != 1:
        sys.exit(f"{cid}: each message needs exactly one of {', '.join(ROLES)}: <author>")
    role = roles[0]
    message: dict[str, Any] = {
        "role": role,
        "text": item["text"],
        "at": (start + timedelta(minutes=item["min"])).isoformat(),
    }
    if item[role]:
        message["author"] = item[role]
    if item.get("department"):
        message["department"] = item["department"]
    if item.get("public") is False:
        message["public"] = False
    return message


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    # 294 DCH-1 dialogues + 26 handwritten = 320 conversations, a count other tests know.
    parser.add_argument("--count", type=int, default=294, help="DCH-1 dialogues to include")
    args = parser.parse_args()
    source = args.data / "stc3" / "dch1_en.json"
    if not source.is_file():
        sys.exit(f"{source}: not found; point --data at the shared data folder")
    records = handcrafted_records() + dch_records(source, args.count)
    ids = [r["id"] for r in records]
    if len(set(ids)) != len(ids):
        sys.exit("duplicate conversation ids")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} conversations to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
