"""Practice simulator speed: milliseconds per trainee turn (target: well under 50 ms on one core).

    python -m benchmarks.practice [--sessions 20] [--no-learned]

Plays the good and the poor trainee scripts (tests/practice/scripts) through every bundled
scenario with different seeds, one turn at a time, and times `PracticeSession.reply` (the
engine's reading of the whole conversation so far plus the customer's state update) and
`PracticeSession.finish` (the scorecard and feedback) separately. Prints median, p95 and max wall time, and CPU time per turn.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from servicecraft.engine import Engine
from servicecraft.practice import PracticeSession, bundled_scenarios

SCRIPTS = Path(__file__).resolve().parents[1] / "tests" / "practice" / "scripts"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=20, help="seeds per scenario and script")
    parser.add_argument("--no-learned", action="store_true", help="rules only")
    args = parser.parse_args()
    engine = Engine(learned=not args.no_learned)
    scripts = [(SCRIPTS / n).read_text("utf-8").splitlines() for n in ("good.txt", "poor.txt")]
    turns: list[float] = []
    finishes: list[float] = []
    cpu = time.process_time()
    for scenario in bundled_scenarios():
        for lines in scripts:
            for seed in range(args.sessions):
                session = PracticeSession(scenario, seed, engine)
                for line in lines:
                    if session.ended:
                        break
                    start = time.perf_counter()
                    session.reply(line)
                    turns.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                session.finish()
                finishes.append((time.perf_counter() - start) * 1000)
    cpu_per_turn = (time.process_time() - cpu) * 1000 / len(turns)
    tier = "rules only" if args.no_learned else "rules + fast learned tier"
    print(f"practice simulator, {tier}, {os.cpu_count()} CPUs visible, one process")
    for name, values in (("turn (reply)", turns), ("finish (score)", finishes)):
        ordered = sorted(values)
        p95 = ordered[int(0.95 * (len(ordered) - 1))]
        print(
            f"{name:15} n={len(values):5}  median {statistics.median(values):6.2f} ms  "
            f"p95 {p95:6.2f} ms  max {ordered[-1]:6.2f} ms"
        )
    # CPU time is what a shared machine's other work cannot inflate.
    print(f"CPU time per turn, everything included: {cpu_per_turn:.2f} ms")


if __name__ == "__main__":
    main()
