"""One table of results, printed as each row arrives and again, whole, as Markdown."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Table:
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)

    def add(self, task: str, metric: str, ours: str, anchors: str) -> None:
        self.rows.append((task, metric, ours, anchors))
        print(f"  {task}: {metric} {ours}   [{anchors}]", flush=True)

    def markdown(self) -> str:
        lines = ["| task | metric | ours | published anchors |", "| --- | --- | --- | --- |"]
        lines += ["| " + " | ".join(r) + " |" for r in self.rows]
        return "\n".join(lines)
