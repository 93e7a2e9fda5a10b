"""Scorers installed as plugins: the ``servicecraft.scorers`` entry-point group.

A package declares, in its ``pyproject.toml``::

    [project.entry-points."servicecraft.scorers"]
    brand_voice = "acme_scorers:BrandVoice"

Each entry's value is the same ``module:attribute`` that ``--scorer`` takes, so the engine
loads a plugin exactly as it loads a named scorer (in every worker process too).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points

GROUP = "servicecraft.scorers"


@dataclass(frozen=True, slots=True)
class Plugin:
    name: str  # the entry point's name
    target: str  # "module:attribute"
    distribution: str  # "acme-scorers 1.0", or "" when unknown


def installed_scorers() -> list[Plugin]:
    """Every scorer plugin installed where this Python looks (sys.path), by name."""
    found: dict[str, Plugin] = {}
    for ep in entry_points(group=GROUP):
        dist = ep.dist
        where = f"{dist.metadata['Name']} {dist.version}" if dist is not None else ""
        found.setdefault(ep.name, Plugin(ep.name, ep.value, where))
    return [found[name] for name in sorted(found)]


def resolve(requested: tuple[str, ...], *, with_plugins: bool) -> tuple[str, ...]:
    """The ``module:attribute`` of each scorer to use.

    ``requested`` holds ``--scorer`` values: a ``module:attribute`` or the name of an
    installed plugin. With ``with_plugins`` every installed plugin is added too (once).
    """
    plugins = {p.name: p.target for p in installed_scorers()}
    out: list[str] = []
    for value in requested:
        if ":" in value:
            out.append(value)
        elif value in plugins:
            out.append(plugins[value])
        else:
            known = ", ".join(plugins) or "none installed"
            raise ValueError(
                f"scorer {value!r} must look like 'package.module:attribute' or name an "
                f"installed plugin (plugins: {known})"
            )
    if with_plugins:
        out += plugins.values()
    return tuple(dict.fromkeys(out))
