"""Draw the DCH-1 helpdesk replies that were labelled for the detectors (examples/dch1/).

    PYTHONPATH=src:. python scripts/sample_dch1_replies.py --data ../shared/data --out DIR

Writes DIR/batch1.jsonl to DIR/batch4.jsonl (key, dialogue, context, text, split), the batches
the annotators labelled: 240, 240, then 200 and 200 drawn later (the draw is one shuffled order,
so drawing more kept the first 480). One reply per dialogue, from the dialogues the judgement
benchmark trains on (never its held-out ones); a quarter of the dialogues held out.
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


def replies(data: Path) -> list[dict[str, object]]:
    dialogues = json.loads((data / "stc3" / "dch1_en.json").read_text(encoding="utf-8"))
    dev = set(split(len(dialogues))[0].tolist())
    by_dialogue: dict[int, list[dict[str, object]]] = {}
    for i, item in enumerate(dialogues):
        if i not in dev:
            continue
        customer = ""
        for j, turn in enumerate(item["turns"]):
            text = " ".join(turn["utterances"]).strip()
            if turn["sender"] == "customer":
                customer = text
            elif text:
                reply = {"key": f"{item['id']}#{j}", "dialogue": i, "context": customer[:400]}
                by_dialogue.setdefault(i, []).append({**reply, "text": text})
    rng = random.Random(SEED)
    chosen = [rng.choice(v) for v in by_dialogue.values()]
    rng.shuffle(chosen)
    chosen = chosen[:N]
    for reply in chosen:
        held_out = zlib.crc32(str(reply["dialogue"]).encode()) % 4 == 0
        reply["split"] = "test" if held_out else "dev"
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


if __name__ == "__main__":
    main()
