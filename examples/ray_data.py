"""Score conversations with Ray Data: read, score and write on the cluster, not the driver.

    pip install 'servicecraft[ray]'
    python examples/ray_data.py src/servicecraft/data/sample.jsonl scored/
    python examples/ray_data.py s3://bucket/chats/ s3://bucket/scored/ --address 10.0.0.1:6379
    python examples/ray_data.py chats.parquet scored/ --format parquet --workers 8

Without --address it starts a local Ray on this machine (and stops it at the end). See
docs/ray.md.
"""

from __future__ import annotations

import argparse
import os

import ray

from servicecraft.distributed import read_dataset, score_dataset, write_scorecards
from servicecraft.pipeline import EngineSpec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="+", help="JSONL or Parquet files or folders")
    parser.add_argument("output", help="folder for the scorecards")
    parser.add_argument("--format", choices=["jsonl", "parquet"], default="jsonl")
    parser.add_argument("--address", help="Ray cluster address (default: a local Ray)")
    parser.add_argument("--workers", type=int, help="scoring actors (default: every CPU)")
    parser.add_argument("--rubric", help="a rubric YAML file, present on every node")
    args = parser.parse_args()

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if args.address:
        ray.init(address=args.address, log_to_driver=False)
    else:
        ray.init(  # "local": a new Ray, not one that happens to run on this machine
            address="local",
            include_dashboard=False,
            log_to_driver=False,
            object_store_memory=200_000_000,
        )
    try:
        conversations = read_dataset(args.inputs)
        scored = score_dataset(conversations, EngineSpec(rubric=args.rubric), workers=args.workers)
        write_scorecards(scored, args.output, args.format)
    finally:
        ray.shutdown()
    print(f"scorecards written to {args.output}")


if __name__ == "__main__":
    main()
