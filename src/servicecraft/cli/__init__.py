"""The `servicecraft` command line: a thin shell over the library.

Each group of commands lives in its own module and registers itself on `main`;
the modules only parse arguments, call the library and print.
"""

from __future__ import annotations

import importlib

import click

from servicecraft import __version__

# Modules that add commands to `main`; each defines `register(main)`.
_COMMAND_MODULES = (
    "servicecraft.cli.score",
    "servicecraft.cli.app",
    "servicecraft.cli.models",
    "servicecraft.cli.calibrate",
    "servicecraft.cli.reviews",
    "servicecraft.cli.practice",
    "servicecraft.cli.myths",
    "servicecraft.cli.surveys",
    "servicecraft.cli.rescore",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="servicecraft")
def main() -> None:
    """Measure, teach and improve customer service."""


def _register_all() -> None:
    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(main)


_register_all()
