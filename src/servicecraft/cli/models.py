"""`servicecraft models build`: rebuild the shipped weights from the labelled data."""

from __future__ import annotations

from pathlib import Path

import click


def register(main: click.Group) -> None:
    main.add_command(models)


@click.group()
def models() -> None:
    """The learned models."""


@models.command()
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("../shared/data"),
    show_default=True,
    help="The labelled data folder.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the weights (default: the package's weights folder).",
)
@click.option(
    "--transformer",
    is_flag=True,
    help="Also build the transformer tier's heads (needs the 'transformer' extra).",
)
@click.option(
    "--distill",
    is_flag=True,
    help="Distil the detectors' static vectors again from MiniLM (needs the 'transformer' extra).",
)
def build(data: Path, out: Path | None, transformer: bool, distill: bool) -> None:
    """Retrain every shipped model from DATA, deterministically."""
    if transformer or distill:
        from servicecraft.engine.learned.transformer import MISSING, available

        if not available():  # before the fast build, not after it
            raise click.ClickException(MISSING)
    try:
        from servicecraft.training.models import build as build_models
    except ImportError:
        raise click.ClickException(
            "training needs the 'train' extra: pip install 'servicecraft[train]'"
        ) from None
    from servicecraft.engine.learned import weights_dir

    if (
        not (data / "stc3" / "dch1_en.json").is_file()
        or not (data / "tydip" / "en_train.csv").is_file()
    ):
        raise click.ClickException(
            f"{data}: expected stc3/dch1_en.json and tydip/en_train.csv in it"
        )
    target = out or weights_dir()
    if distill:
        from servicecraft.training.detectors import build_detectors

        build_detectors(target, distill_again=True)  # the fast build then reuses these vectors
    sizes = build_models(data, target)
    if transformer:
        from servicecraft.training.transformer import build_transformer

        sizes.update(build_transformer(data, target))
    for name, size in sizes.items():
        click.echo(f"wrote {target / name} ({size / 1024:.0f} KiB)")
