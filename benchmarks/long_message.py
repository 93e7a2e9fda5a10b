"""Scoring time against message length: it must grow linearly (issue 12, defect 5).

    python -m benchmarks.long_message [--sizes 50000,100000,200000,400000]

Scores one conversation whose customer message is `why? ` repeated to each size (the
probe's worst case: a cue hit every two tokens) and one of real sample text, and prints
seconds per size and per 100,000 characters; a linear matcher keeps the last column flat.
Then the straight answer's question check (``engine/questions.py``) alone, on `and ` repeated
(every word a clause start, the worst case of its first version, which took 178 s at 80,000
characters) and on the sample text.
"""

from __future__ import annotations

import argparse
import time

import orjson

from servicecraft.engine import Engine
from servicecraft.engine.questions import asks
from servicecraft.importers import MAX_CONVERSATION_CHARS, sample_path
from servicecraft.model import Conversation, Message


def _sample_text() -> str:
    with open(sample_path(), "rb") as handle:
        return " ".join(
            m["text"] for line in handle for m in orjson.loads(line)["messages"] if m["text"]
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="50000,100000,200000,400000")
    args = parser.parse_args()
    engine = Engine()
    engine.score(Conversation("warm", [Message("customer", "hello")]))
    sample = _sample_text()
    print(f"limit: {MAX_CONVERSATION_CHARS:,} characters per conversation (larger: rejected)")
    print(f"{'text':<8} {'characters':>10} {'seconds':>8} {'s per 100k':>10}")
    for size in (int(s) for s in args.sizes.split(",")):
        for name, unit in (("why?", "why? "), ("sample", sample + " ")):
            text = (unit * (size // len(unit) + 1))[:size]
            conversation = Conversation(
                "long", [Message("customer", text), Message("agent", "I will look into it.", "A")]
            )
            started = time.perf_counter()
            engine.score(conversation)
            seconds = time.perf_counter() - started
            print(f"{name:<8} {size:>10,} {seconds:>8.2f} {seconds / size * 100_000:>10.2f}")
    print("the question check alone")
    for size in (int(s) for s in args.sizes.split(",")):
        for name, unit in (("and", "and "), ("sample", sample + " ")):
            text = (unit * (size // len(unit) + 1))[: size - 5] + " what"
            started = time.perf_counter()
            asks(text)
            seconds = time.perf_counter() - started
            print(f"{name:<8} {size:>10,} {seconds:>8.2f} {seconds / size * 100_000:>10.2f}")


if __name__ == "__main__":
    main()
