"""The JSON API under /api/v1: bearer tokens with scopes, the same access policy as the pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from servicecraft import catalogue
from servicecraft.service import auth, dashboards, surveys
from servicecraft.service.importing import import_jsonl_bytes
from servicecraft.service.policy import may_import, viewer_for
from servicecraft.web import api_shapes as shapes
from servicecraft.web.bounds import FIRST_DATE, LAST_DATE, MAX_ID, MAX_PAGE
from servicecraft.web.deps import DB, Current, LoginRequired
from servicecraft.web.params import search_filters
from servicecraft.web.render import page

router = APIRouter(prefix="/api/v1", tags=["api"])
bearer = HTTPBearer(auto_error=False, description="An API token from the tokens page")

MAX_IMPORT_BYTES = 64 * 1024 * 1024  # one request; bigger files go through `servicecraft import`


def _token(scope: str) -> Callable[..., Current]:
    def dependency(
        request: Request,
        session: DB,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Current:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise LoginRequired
        check = auth.verify_token(session, credentials.credentials, scope)
        if check.user is None:
            raise LoginRequired
        if not check.scope_ok:
            raise HTTPException(403, f"This token lacks the '{scope}' scope.")
        return Current(
            user=check.user, viewer=viewer_for(check.user), session=session, request=request
        )

    return dependency


Reader = Annotated[Current, Depends(_token("read"))]
Importer = Annotated[Current, Depends(_token("import"))]

_SKILL_HELP = "a skill id: " + ", ".join(catalogue.SKILL)


@router.get(
    "/conversations",
    summary="Search scored conversations",
    description="Conversations this token's owner may see, newest first unless sorted; the same "
    "filters as the Conversations page.",
    response_model=shapes.ConversationPage,
)
def list_conversations(
    me: Reader,
    person_id: Annotated[
        int | None, Query(ge=-MAX_ID, le=MAX_ID, description="only this person's", examples=[3])
    ] = None,
    team_id: Annotated[
        int | None, Query(ge=-MAX_ID, le=MAX_ID, description="only this team's", examples=[2])
    ] = None,
    department_id: Annotated[
        int | None, Query(ge=-MAX_ID, le=MAX_ID, description="only this department's", examples=[1])
    ] = None,
    date_from: Annotated[
        date | None,
        Query(
            ge=FIRST_DATE,
            le=LAST_DATE,
            description="started on or after (YYYY-MM-DD)",
            examples=["2026-03-01"],
        ),
    ] = None,
    date_to: Annotated[
        date | None,
        Query(
            ge=FIRST_DATE,
            le=LAST_DATE,
            description="started on or before (YYYY-MM-DD)",
            examples=["2026-03-31"],
        ),
    ] = None,
    skill: Annotated[
        str | None,
        Query(description=f"bound this skill's score instead of the overall; {_SKILL_HELP}"),
    ] = None,
    min_score: Annotated[
        float | None, Query(ge=0, le=100, description="lowest score, 0..100", examples=[0])
    ] = None,
    max_score: Annotated[
        float | None, Query(ge=0, le=100, description="highest score, 0..100", examples=[40])
    ] = None,
    metric: Annotated[
        str | None, Query(description="one of " + ", ".join(catalogue.METRIC_FILTERS))
    ] = None,
    outcome: Annotated[
        str | None, Query(description="one of " + ", ".join(catalogue.OUTCOME_FILTERS))
    ] = None,
    sort: Annotated[
        str,
        Query(
            description="one of " + ", ".join(catalogue.CONVERSATION_SORTS) + "; '-' descending",
            examples=["-score"],
        ),
    ] = "-started_at",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="1-based page number")] = 1,
    page_size: Annotated[int, Query(ge=1, le=200, description="conversations per page")] = 50,
) -> dict[str, Any]:
    filters = search_filters(
        person_id=person_id,
        team_id=team_id,
        department_id=department_id,
        date_from=date_from,
        date_to=date_to,
        skill=skill,
        min_score=min_score,
        max_score=max_score,
        metric=metric,
        outcome=outcome,
    )
    result = dashboards.search_conversations(
        me.session,
        me.viewer,
        **filters,
        sort=sort,
        page=page,
        page_size=page_size,
        with_documents=True,
    )
    return shapes.conversation_page(result)


@router.get(
    "/conversations/{conversation_id:path}",  # ids may contain "/"
    summary="One scored conversation",
    description="The scorecard with its evidence, and the conversation under `conversation`.",
)
def get_conversation(
    me: Reader,
    conversation_id: Annotated[
        str, Path(description="the conversation's id in its source", examples=["craft-001"])
    ],
) -> dict[str, Any]:
    return shapes.conversation(
        dashboards.conversation_detail(me.session, me.viewer, conversation_id)
    )


@router.post(
    "/import",
    summary="Import conversations (JSON Lines)",
    description="The body is JSON Lines, one conversation per line; each is scored and stored. "
    "Needs a token with the `import` scope. Bad lines are rejected with their line number; the "
    "rest are imported.",
    response_model=shapes.ImportResult,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
        }
    },
)
async def import_jsonl(
    request: Request,
    me: Importer,
    survey_links: Annotated[
        bool, Query(description="also make a survey link for each new conversation")
    ] = False,
) -> Response | dict[str, Any]:
    if not may_import(me.viewer):
        raise HTTPException(403, "Only administrators may import.")
    size = int(request.headers.get("content-length") or 0)
    if size > MAX_IMPORT_BYTES:
        raise HTTPException(
            413, f"Bodies over {MAX_IMPORT_BYTES // 2**20} MiB: use `servicecraft import`."
        )
    chunks, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > MAX_IMPORT_BYTES:
            raise HTTPException(413, "Body too large.")
        chunks.append(chunk)
    report = await run_in_threadpool(import_jsonl_bytes, request.app.state.db, b"".join(chunks))
    result = shapes.import_result(report)
    if survey_links:
        created = await run_in_threadpool(
            surveys.links_for_new, request.app.state.db, report.new_ids
        )
        base = str(request.base_url).rstrip("/")
        result["survey_links"] = [
            {
                "conversation_id": c.conversation_id,
                "customer": c.customer,
                "link": surveys.link_url(base, c.token),
            }
            for c in created
        ]
    return result


def _schema_type(schema: dict[str, Any]) -> str:
    """'integer, 1 to 200' from a parameter's JSON schema."""
    options = [o for o in schema.get("anyOf", [schema]) if o.get("type") != "null"]
    kinds = []
    for option in options:
        kind = option.get("format") or option.get("type") or "value"
        low, high = option.get("minimum"), option.get("maximum")
        if low is not None and high is not None:
            kind += f", {low} to {high}"
        elif low is not None:
            kind += f", at least {low}"
        kinds.append(kind)
    return " or ".join(kinds) or "value"


def parameter_rows(spec: dict[str, Any]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Each operation's parameters as the reference page lists them."""
    rows: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for path, operations in spec.get("paths", {}).items():
        for method, op in operations.items():
            out = []
            for p in op.get("parameters", []):
                schema = p.get("schema", {})
                examples = p.get("examples") or schema.get("examples") or []
                if isinstance(examples, dict):
                    examples = [e.get("value") for e in examples.values()]
                out.append(
                    {
                        "name": p["name"],
                        "in": p["in"],
                        "required": p.get("required", False),
                        "type": _schema_type(schema),
                        "default": schema.get("default"),
                        "description": p.get("description") or schema.get("description") or "",
                        "example": examples[0] if examples else None,
                    }
                )
            rows[(path, method)] = out
    return rows


@router.get("/docs", include_in_schema=False)
def docs_page(request: Request) -> Response:
    """A readable, offline API reference built from the OpenAPI description (no CDN)."""
    spec = request.app.openapi()
    context = {
        "spec": spec,
        "parameters": parameter_rows(spec),
        "base": str(request.base_url).rstrip("/"),
        "user": None,
        "title": "JSON API",
    }
    return page(request, "api_docs.html", context)
