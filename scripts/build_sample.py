"""Build src/servicecraft/data/sample.jsonl: DCH-1 dialogues plus handwritten conversations.

    python scripts/build_sample.py [--data ../shared/data] [--count 300]

Deterministic: the same data gives the same file. DCH-1 (NTCIR-14 STC-3) is CC BY 4.0;
see src/servicecraft/data/ATTRIBUTION.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from handcrafted import CONVERSATIONS, INTERNAL

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "servicecraft" / "data" / "sample.jsonl"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def dch_records(path: Path, count: int) -> list[dict[str, object]]:
    dialogues = json.loads(path.read_text(encoding="utf-8"))
    # A stable pseudo-random choice: the dialogues whose id hashes lowest.
    chosen = sorted(dialogues, key=lambda d: hashlib.sha256(str(d["id"]).encode()).hexdigest())[:count]
    chosen.sort(key=lambda d: str(d["id"]))
    records = []
    for d in chosen:
        messages = [
            {"role": "customer" if t["sender"] == "customer" else "agent", "text": "\n".join(t["utterances"])}
            for t in d["turns"]
        ]
        records.append({"id": f"dch1-{d['id']}", "channel": "weibo", "messages": messages})
    return records


def handcrafted_records() -> list[dict[str, object]]:
    records = []
    for n, (cid, channel, survey, turns) in enumerate(CONVERSATIONS):
        start = START + timedelta(days=n % 10, hours=n % 5)
        messages = []
        for i, (role, author, department, minutes, text) in enumerate(turns):
            message: dict[str, object] = {"role": role, "text": text, "at": (start + timedelta(minutes=minutes)).isoformat()}
            if author:
                message["author"] = author
            if department:
                message["department"] = department
            if (cid, i) in INTERNAL:
                message["public"] = False
            messages.append(message)
        record: dict[str, object] = {"id": cid, "channel": channel, "messages": messages}
        if survey:
            record["survey"] = survey
        records.append(record)
    return records


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()
    records = handcrafted_records() + dch_records(args.data / "stc3" / "dch1_en.json", args.count)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} conversations to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
