"""Draw the DCH-1 messages that were labelled for the detectors (examples/dch1/).

    PYTHONPATH=src:. python scripts/sample_dch1_replies.py --data ../shared/data --out DIR

Writes DIR/batch1.jsonl to DIR/batch4.jsonl (key, dialogue, context, text, split), the helpdesk
replies the annotators labelled: 240, 240, then 200 and 200 drawn later (the draw is one
shuffled order, so drawing more kept the first 480), and DIR/customers.jsonl, the customer
messages labelled for the distress detector (600; context: the helpdesk reply before, if any).
One message per dialogue, from the dialogues the judgement benchmark trains on (never its
held-out ones); a quarter of the dialogues held out, the same quarter for both.
"""

from __future__ import annotations

import argparse
import json
import random
import zlib
from pathlib import Path

from benchmarks.judgement import split

SEED, N = 20261203, 880
BATCHES = (240, 240, 200, 200)
CUSTOMER_SEED, N_CUSTOMER = 20261204, 600


def replies(data: Path) -> list[dict[str, object]]:
    """The helpdesk replies drawn, each with the customer's message before it as context."""
    return _draw(data, "helpdesk", SEED, N)


def customer_messages(data: Path) -> list[dict[str, object]]:
    """The customer messages drawn, each with the helpdesk reply before it (or "") as context."""
    return _draw(data, "customer", CUSTOMER_SEED, N_CUSTOMER)


def _draw(data: Path, sender: str, seed: int, n: int) -> list[dict[str, object]]:
    dialogues = json.loads((data / "stc3" / "dch1_en.json").read_text(encoding="utf-8"))
    dev = set(split(len(dialogues))[0].tolist())
    by_dialogue: dict[int, list[dict[str, object]]] = {}
    for i, item in enumerate(dialogues):
        if i not in dev:
            continue
        before = ""
        for j, turn in enumerate(item["turns"]):
            text = " ".join(turn["utterances"]).strip()
            if turn["sender"] == sender and text:
                message = {"key": f"{item['id']}#{j}", "dialogue": i, "context": before[:400]}
                by_dialogue.setdefault(i, []).append({**message, "text": text})
            if turn["sender"] != sender:
                before = text
    rng = random.Random(seed)
    chosen = [rng.choice(v) for v in by_dialogue.values()]
    rng.shuffle(chosen)
    chosen = chosen[:n]
    for message in chosen:
        held_out = zlib.crc32(str(message["dialogue"]).encode()) % 4 == 0
        message["split"] = "test" if held_out else "dev"
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data", type=Path)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()
    chosen = replies(args.data)
    args.out.mkdir(parents=True, exist_ok=True)
    at = 0
    for n, size in enumerate(BATCHES, start=1):
        part, at = chosen[at : at + size], at + size
        lines = [json.dumps(r, ensure_ascii=False) for r in part]
        (args.out / f"batch{n}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    lines = [json.dumps(m, ensure_ascii=False) for m in customer_messages(args.data)]
    (args.out / "customers.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
