"""The `servicecraft` command line: a thin shell over the library.

Each group of commands lives in its own module and registers itself on `main`;
the modules only parse arguments, call the library and print.
"""

from __future__ import annotations

import importlib

import click

from servicecraft import __version__

# The module that defines each command; each module defines `register(main)`, which adds
# all of its commands. Only the module of the command invoked is imported: `servicecraft
# score` then starts without the web app's and the database's imports (about 0.6 s, paid
# before any worker starts).
_COMMAND_MODULES = {
    "score": "servicecraft.cli.score",
    "explain": "servicecraft.cli.score",
    "import": "servicecraft.cli.app",
    "demo": "servicecraft.cli.app",
    "serve": "servicecraft.cli.app",
    "users": "servicecraft.cli.app",
    "models": "servicecraft.cli.models",
    "calibrate": "servicecraft.cli.calibrate",
    "reviews": "servicecraft.cli.reviews",
    "practice": "servicecraft.cli.practice",
    "myths": "servicecraft.cli.myths",
    "surveys": "servicecraft.cli.surveys",
    "rescore": "servicecraft.cli.rescore",
}


class _LazyGroup(click.Group):
    """A group that imports a command's module when the command is first looked up."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *_COMMAND_MODULES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = _COMMAND_MODULES.get(cmd_name)
        if cmd_name not in self.commands and module is not None:
            importlib.import_module(module).register(self)
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=_LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="servicecraft")
def main() -> None:
    """Measure, teach and improve customer service."""


def register_all() -> None:
    """Import every command now (the docs tests read them all from ``main.commands``)."""
    for module in dict.fromkeys(_COMMAND_MODULES.values()):
        importlib.import_module(module).register(main)
