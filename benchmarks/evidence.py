"""Is the evidence right? The engine's quotes on real dialogues, judged one by one.

    python -m benchmarks.evidence [--data ../shared/data]

``benchmarks/data/evidence_audit.yaml`` holds quotes the engine made on DCH-1 English dialogues,
drawn at random per reason from the dev and the held-out test dialogues of
``benchmarks.judgement``'s split, each judged "right", "wrong" or "unsure" by an annotator who
read the whole conversation: does this quote, in this conversation, show what the reason says?
Each quote records the engines (commits) it was drawn for, and the file how many quotes of each
reason those engines made, so an engine's figures are estimated from its own random draw.

Prints, per split and reason, the precision (right / (right + wrong)) of each audited engine and
of this checkout's engine on the judged quotes it still makes, then the share of quotes that
are right: each reason's precision weighted by how often the engine quotes that reason. Fixes
are chosen on dev; test was judged after them and is the honest figure. "unsure" counts in
neither numerator nor denominator.

    python -m benchmarks.evidence --draw NAME [--split test] [--per-reason 6] --out NEW.yaml

draws a new engine's quotes to be judged: this checkout's engine, filed as NAME (its commit).
Up to ``--per-reason`` quotes per reason of the split, at random (seed 20261203); one already
judged keeps its judgement and gains NAME in ``drawn_for``; the rest are written to NEW.yaml with
``judgement: null`` for the judges (and NEW.txt beside it: each quote with its reason and the
whole conversation, the quoted message marked, which is what a judge reads), and NAME's
``quoted`` counts (both splits) go into the audit file. Judged, they are appended to the audit
file's items.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml

from benchmarks.judgement import split
from servicecraft.engine import Engine
from servicecraft.training.overall import dch_conversations

AUDIT = Path(__file__).parent / "data" / "evidence_audit.yaml"
NOW = "this checkout"


def quotes(engine: Engine, conversation: Any) -> set[tuple[str, int, int, int]]:
    """(reason, message, start, end) of every quote of the scorecard."""
    card = engine.score(conversation)
    return {(e.reason, e.message, e.start, e.end) for s in card.skills.values() for e in s.evidence}


def share(tally: dict[str, Counter[str]], quoted: dict[str, int]) -> float:
    """Each reason's precision weighted by how often it is quoted (reasons never judged right
    or wrong drop out of both sums)."""
    right = total = 0.0
    for reason, n in quoted.items():
        t = tally.get(reason, Counter())
        if t["right"] + t["wrong"]:
            right += n * t["right"] / (t["right"] + t["wrong"])
            total += n
    return right / total if total else float("nan")


def cell(t: Counter[str]) -> str:
    judged = t["right"] + t["wrong"]
    return f"{t['right']:>3}/{judged:<3} {t['right'] / judged:4.2f}" if judged else f"{'-':>13}"


def report(
    name: str, items: list[dict[str, Any]], engines: list[str], quoted: Any, made: Any
) -> None:
    tally: dict[str, dict[str, Counter[str]]] = {e: defaultdict(Counter) for e in [*engines, NOW]}
    for item in items:
        for engine in item["drawn_for"]:
            tally[engine][item["reason"]][item["judgement"]] += 1
        key = (item["reason"], item["message"] - 1, item["start"], item["end"])
        if key in made[item["dialogue"]]:
            tally[NOW][item["reason"]][item["judgement"]] += 1
    now = Counter(k[0] for found in made.values() for k in found)
    counts = {e: quoted[e][name] for e in engines} | {NOW: dict(now)}
    print(f"\n{name}: {len(made)} dialogues, {len(items)} quotes judged")
    print(f"{'reason':46}" + "".join(f"{e[:13]:>15} {'quoted':>6}" for e in tally))
    reasons = sorted({r for t in tally.values() for r in t} | set(now), key=lambda r: -now[r])
    for reason in reasons:
        print(
            f"{reason[:46]:46}"
            + "".join(f"{cell(tally[e][reason]):>15} {counts[e].get(reason, 0):6}" for e in tally)
        )
    print(
        "share of quotes right (precision weighted by how often each reason is quoted): "
        + ", ".join(f"{e} {share(tally[e], counts[e]):.3f}" for e in tally)
    )


def draw(
    audit: dict[str, Any],
    made: dict[str, dict[int, set[Any]]],
    conversations: Any,
    engine: Engine,
    name: str,
    where: str = "test",
    per_reason: int = 6,
) -> list[dict[str, Any]]:
    """Files engine ``name``'s quoted counts and draw in ``audit``; returns the new quotes to
    be judged (``made``: each split's quotes, as ``quotes`` gives them, per dialogue)."""
    audit["engines"] = [e for e in audit["engines"] if e != name] + [name]
    audit["quoted"][name] = {
        split: dict(sorted(Counter(k[0] for q in found.values() for k in q).items()))
        for split, found in made.items()
    }
    judged = {
        (i["dialogue"], i["message"], i["start"], i["end"], i["reason"]): i
        for i in audit["items"]
        if i["split"] == where
    }
    by_reason: dict[str, list[tuple[int, int, int, int]]] = defaultdict(list)
    for dialogue, found in made[where].items():
        for reason, message, start, end in found:
            by_reason[reason].append((dialogue, message + 1, start, end))
    rng = random.Random(20261203)
    new: list[dict[str, Any]] = []
    taken = sum(1 for i in audit["items"] if i["split"] == where)
    for reason in sorted(by_reason):
        pool = sorted(by_reason[reason])
        for dialogue, message, start, end in rng.sample(pool, min(per_reason, len(pool))):
            old = judged.get((dialogue, message, start, end, reason))
            if old is not None:
                old["drawn_for"] = [e for e in old["drawn_for"] if e != name] + [name]
                continue
            text = conversations[dialogue].messages[message - 1].text
            effect = next(
                e.effect
                for s in engine.score(conversations[dialogue]).skills.values()
                for e in s.evidence
                if (e.reason, e.message, e.start, e.end) == (reason, message - 1, start, end)
            )
            taken += 1
            new.append(
                {
                    "id": f"{where[0]}{taken:03d}",
                    "split": where,
                    "drawn_for": [name],
                    "dialogue": dialogue,
                    "message": message,
                    "start": start,
                    "end": end,
                    "reason": reason,
                    "effect": effect,
                    "quote": text[start:end],
                    "judgement": None,
                    "note": None,
                }
            )
    return new


def transcripts(new: list[dict[str, Any]], conversations: Any) -> str:
    """What a judge reads for each new quote: the reason, the quote and the whole conversation,
    the quoted message marked (numbered from 1, as ``message`` is)."""
    blocks = []
    for item in new:
        lines = [
            f"=== item {item['id']} | reason: {item['reason']} (effect {item['effect']})",
            f'quote (from message {item["message"]}): "{item["quote"]}"',
            "conversation:",
        ]
        for k, m in enumerate(conversations[item["dialogue"]].messages, start=1):
            mark = "  <== quoted message" if k == item["message"] else ""
            lines.append(f"  [{k}] {m.role}: {m.text}{mark}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="../shared/data", type=Path)
    parser.add_argument("--audit", default=AUDIT, type=Path)
    parser.add_argument("--draw", metavar="NAME", help="draw this checkout's quotes, filed as NAME")
    parser.add_argument("--split", default="test", choices=("dev", "test"))
    parser.add_argument("--per-reason", type=int, default=6)
    parser.add_argument("--out", type=Path, help="where --draw writes the quotes to be judged")
    args = parser.parse_args()
    if args.draw and not args.out:
        parser.error("--draw needs --out")
    if args.out and args.out.suffix == ".txt":
        parser.error("--out is the YAML file of quotes; the judges' .txt is written beside it")
    if not (args.data / "stc3" / "dch1_en.json").is_file():
        raise SystemExit(f"DCH-1 not found under {args.data}: pass --data with its folder")
    if not args.audit.is_file():
        raise SystemExit(f"the judged quotes are not at {args.audit}: pass --audit")
    audit = yaml.safe_load(args.audit.read_text(encoding="utf-8"))
    conversations, _ = dch_conversations(args.data)
    engine = Engine()
    made = {
        name: {int(i): quotes(engine, conversations[i]) for i in rows}
        for name, rows in zip(("dev", "test"), split(len(conversations)), strict=True)
    }
    if args.draw:
        new = draw(audit, made, conversations, engine, args.draw, args.split, args.per_reason)
        args.out.write_text(yaml.safe_dump(new, sort_keys=False, allow_unicode=True), "utf-8")
        args.out.with_suffix(".txt").write_text(transcripts(new, conversations), "utf-8")
        head, _, _ = args.audit.read_text(encoding="utf-8").partition("\nengines:")
        body = yaml.safe_dump(audit, sort_keys=False, allow_unicode=True, width=100)
        args.audit.write_text(head + "\n" + body, encoding="utf-8")
        print(
            f"{len(new)} new quotes to judge in {args.out} (what the judges read: "
            f"{args.out.with_suffix('.txt')}); {args.audit} updated"
        )
        return
    print(f"audited engines: {', '.join(audit['engines'])}; {NOW}: re-scored now")
    for name, found in made.items():
        items = [i for i in audit["items"] if i["split"] == name]
        report(name, items, audit["engines"], audit["quoted"], found)


if __name__ == "__main__":
    main()
