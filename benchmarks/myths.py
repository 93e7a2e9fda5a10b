"""Calibration of the myth check: how often a factor with no effect looks clear, and how
often real effects are found, over many synthetic organisations.

    python -m benchmarks.myths [--organisations 500] [--answers 60 300] [--speed 100000]

Each organisation: handoffs (Poisson 0.6) and the first reply wait (exponential, mean 30
minutes) lower satisfaction; chasers and the overall score have no effect. Answers are
rounded and clipped to 1-5 like real ones, so the line is not the generating model and the
HC3 interval has to cope with bounded, lumpy answers.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from servicecraft.model import SKILLS
from servicecraft.myths import Observation, check


def organisation(seed: int, answers: int) -> list[Observation]:
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(answers):
        handoffs = int(rng.poisson(0.6))
        wait = float(rng.exponential(1800))
        mean = 4.2 - 0.4 * handoffs - 0.15 * np.log2(1 + wait / 60)
        factors: dict[str, float | None] = {
            "first_response_seconds": wait,
            "handoffs": float(handoffs),
            "one_touch": float(handoffs == 0),
            "chasers": float(rng.poisson(0.8)),
            "customer_messages_before_straight_answer": None,
            "score": float(rng.uniform(20, 95)),
            **{s: None for s in SKILLS},
        }
        csat = float(np.clip(np.rint(mean + rng.normal(0, 0.8)), 1, 5))
        rows.append(Observation(factors, csat=csat))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--organisations", type=int, default=500)
    parser.add_argument("--answers", type=int, nargs="+", default=[60, 300])
    parser.add_argument("--speed", type=int, help="only time one check over this many answers")
    args = parser.parse_args()
    if args.speed:
        rows = organisation(0, args.speed)
        started = time.perf_counter()
        findings = check(rows).findings
        took = time.perf_counter() - started
        print(f"{args.speed:,} answered surveys, {len(findings)} findings: {took:.2f}s")
        return
    print(
        "answers  no-effect factor looked clear  (chasers, score)  real effect found (handoffs, wait)"
    )
    for answers in args.answers:
        started = time.perf_counter()
        clear = {"chasers": 0, "score": 0}
        found = {"handoffs": 0, "first_response_seconds": 0}
        for seed in range(args.organisations):
            findings = {f.factor: f for f in check(organisation(seed, answers)).findings}
            for name in clear:
                ci = findings[name].ci
                clear[name] += ci is not None and (ci[1] < 0 or ci[0] > 0)
            for name in found:
                ci = findings[name].ci
                found[name] += ci is not None and ci[1] < 0
        n = args.organisations
        print(
            f"{answers:>7}  {clear['chasers'] / n:>6.1%}, {clear['score'] / n:>6.1%}"
            f"{'':>24}{found['handoffs'] / n:>6.1%}, {found['first_response_seconds'] / n:>6.1%}"
            f"   ({n} organisations, {time.perf_counter() - started:.0f}s)"
        )


if __name__ == "__main__":
    main()
