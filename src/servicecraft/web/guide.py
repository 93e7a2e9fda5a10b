"""The reader's guide page: docs/reading-scores.md, as shipped in the package, in the app."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from itertools import pairwise

from fastapi import APIRouter
from fastapi.responses import Response
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markupsafe import Markup

from servicecraft.web.deps import Me
from servicecraft.web.render import page

router = APIRouter(include_in_schema=False)
GUIDE = "reading-scores.md"  # a copy of docs/reading-scores.md (a test keeps them equal)


@router.get("/guide")
def guide(me: Me) -> Response:
    context = me.context(title="Reading scores", section="guide", guide=guide_html())
    return page(me.request, "guide.html", context)


@cache
def guide_html() -> Markup:
    """The guide rendered once per process; headings get ids (#not-observed) to link to."""
    source = resources.files("servicecraft").joinpath("data", GUIDE).read_text(encoding="utf-8")
    markdown = MarkdownIt("commonmark", {"html": True}).enable("table")
    markdown.core.ruler.push("heading_ids", _heading_ids)
    return Markup(markdown.render(source))  # our own file, not user input


def _heading_ids(state: StateCore) -> None:
    tokens = state.tokens
    for opening, inline in pairwise(tokens):
        if opening.type == "heading_open":
            words = re.sub(r"[^a-z0-9]+", "-", inline.content.lower()).strip("-")
            opening.attrSet("id", words)
