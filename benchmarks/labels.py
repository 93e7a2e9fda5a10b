"""How far two annotators agree on the real-reply labels the detectors learn from.

    python -m benchmarks.labels

The real DCH-1 messages in ``servicecraft/training/examples/dch1`` were labelled once each, by one
of the AI annotating agents following the guide in that folder's README. To measure how
reproducible those labels are, another agent labelled a random sample of them again, blind to
the first labels and to the engine, from the same guide: ``benchmarks/data/dch1_second_labels.yaml``
(72 helpdesk replies, every label) and ``dch1_second_customer_labels.yaml`` (71 customer
messages, distress). Per detector: the share of messages with the same label,
Cohen's kappa, Krippendorff's alpha (nominal; ``servicecraft.agreement``) and, per first label,
what the second annotator said. Low agreement means the real-text figures of
``benchmarks.detectors`` (and docs/models.md) measure the heads against a noisy reference.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import yaml
from sklearn.metrics import cohen_kappa_score

from servicecraft.agreement import krippendorff_alpha
from servicecraft.training.detectors import examples_dir

SECOND = Path(__file__).parent / "data" / "dch1_second_labels.yaml"
SECOND_CUSTOMERS = Path(__file__).parent / "data" / "dch1_second_customer_labels.yaml"
DETECTORS = ("handoff", "ownership", "proactivity", "empathy", "respect", "straight_answer")
CUSTOMER_DETECTORS = ("distress",)
# Each second labelling: its file, the key of its list, the key of the labelled text, detectors.
SECONDS = (
    (SECOND, "replies", "reply", DETECTORS),
    (SECOND_CUSTOMERS, "messages", "message", CUSTOMER_DETECTORS),
)


def first_labels(detectors: tuple[str, ...] = DETECTORS) -> dict[str, dict[str, int]]:
    """Per message text, each detector's label in the shipped real-message files."""
    found: dict[str, dict[str, int]] = {}
    for name in detectors:
        data = yaml.safe_load((examples_dir() / "dch1" / f"{name}.yaml").read_text("utf-8"))
        for example in data["examples"]:
            found.setdefault(example["text"], {})[name] = int(example["label"])
    return found


def main() -> None:
    print(f"{'detector':16} {'same':>6} {'kappa':>6} {'alpha':>6}   first label -> second labels")
    for path, key, text, detectors in SECONDS:
        compare(path, key, text, detectors)


def compare(path: Path, key: str, text: str, detectors: tuple[str, ...]) -> None:
    first = first_labels(detectors)
    second = yaml.safe_load(path.read_text("utf-8"))[key]
    missing = [r[text][:60] for r in second if r[text] not in first]
    if missing:
        raise SystemExit(f"{path.name}: messages not among the labelled ones: {missing}")
    print(
        f"{len(second)} real {key} labelled twice (first: the shipped labels; second: {path.name})"
    )
    for name in detectors:
        pairs = [(first[r[text]][name], int(r["labels"][name])) for r in second]
        a, b = [p for p, _ in pairs], [q for _, q in pairs]
        same = sum(p == q for p, q in pairs) / len(pairs)
        kappa = cohen_kappa_score(a, b) if len(set(a) | set(b)) > 1 else float("nan")
        alpha = krippendorff_alpha([[p, q] for p, q in pairs], "nominal")
        by_first = "; ".join(
            f"{label:+d} ({n}): "
            + ", ".join(
                f"{k:+d}×{v}" for k, v in sorted(Counter(q for p, q in pairs if p == label).items())
            )
            for label, n in sorted(Counter(a).items())
        )
        alpha_text = f"{alpha:6.2f}" if alpha is not None else f"{'n/a':>6}"
        print(f"{name:16} {same:6.1%} {kappa:6.2f} {alpha_text}   {by_first}")


if __name__ == "__main__":
    main()
