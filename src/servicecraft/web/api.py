"""The JSON API under /api/v1: bearer tokens with scopes, same access rules as the pages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from servicecraft.service import auth, dashboards
from servicecraft.service.access import may_import, viewer_for
from servicecraft.web import views
from servicecraft.web.bounds import DateFilter, IdFilter, Page, PathId
from servicecraft.web.deps import DB, Current, LoginRequired

router = APIRouter(prefix="/api/v1", tags=["api"])
bearer = HTTPBearer(auto_error=False, description="An API token from the tokens page")

MAX_IMPORT_BYTES = 64 * 1024 * 1024  # one request; bigger files go through `servicecraft import`


def _token(scope: str):  # type: ignore[no-untyped-def]
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


class ConversationPage(BaseModel):
    page: int
    page_size: int
    total: int = Field(description="conversations matching the filters (that this token may see)")
    items: list[dict[str, Any]] = Field(
        description="scorecards as `servicecraft score` writes them, plus `conversation` metadata"
    )


class ImportRejection(BaseModel):
    line: int | None
    reason: str


class ImportResult(BaseModel):
    imported: int
    updated: int  # stored before with other content: scored again and replaced
    skipped: int  # stored before with the same content: nothing added (same as unchanged)
    unchanged: int
    rejected: int
    read: int = Field(description="records read: imported + updated + unchanged + rejected")
    rejections: list[ImportRejection]


class Summary(BaseModel):
    id: int
    name: str
    conversations: int
    score: float | None
    skills: dict[str, float | None]
    metrics: dict[str, Any]
    weeks: list[dict[str, Any]]


@router.get(
    "/conversations", summary="Search scored conversations", response_model=ConversationPage
)
def list_conversations(
    me: Reader,
    person_id: IdFilter = None,
    team_id: IdFilter = None,
    department_id: IdFilter = None,
    date_from: DateFilter = None,
    date_to: DateFilter = None,
    skill: Annotated[
        str | None, Query(description="filter on this skill's score instead of overall")
    ] = None,
    min_score: Annotated[float | None, Query(ge=0, le=100)] = None,
    max_score: Annotated[float | None, Query(ge=0, le=100)] = None,
    metric: Annotated[str | None, Query(description="one of " + ", ".join(views.METRICS))] = None,
    outcome: Annotated[str | None, Query(description="one of " + ", ".join(views.OUTCOMES))] = None,
    page: Page = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    filters = views.search_filters(
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
        me.session, me.viewer, **filters, page=page, page_size=page_size, with_documents=True
    )
    return views.api_page(result, page, page_size)


@router.get("/conversations/{conversation_id:path}", summary="One scored conversation")
def get_conversation(me: Reader, conversation_id: str) -> dict[str, Any]:
    data = dashboards.conversation_detail(me.session, me.viewer, conversation_id)
    return views.api_conversation(data)


@router.get("/people/{person_id}/summary", summary="A person's scores", response_model=Summary)
def person_summary(me: Reader, person_id: PathId) -> dict[str, Any]:
    return views.api_person_summary(dashboards.person_profile(me.session, me.viewer, person_id))


@router.get("/teams/{team_id}/summary", summary="A team's scores", response_model=Summary)
def team_summary(me: Reader, team_id: PathId) -> dict[str, Any]:
    return views.api_team_summary(dashboards.team_detail(me.session, me.viewer, team_id))


@router.post(
    "/import",
    summary="Import conversations (JSON Lines)",
    description="The body is JSON Lines, one conversation per line; each is scored and stored. "
    "Needs a token with the `import` scope. Bad lines are rejected with their line number; the "
    "rest are imported.",
    response_model=ImportResult,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
        }
    },
)
async def import_jsonl(request: Request, me: Importer) -> Response | dict[str, Any]:
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
    data = b"".join(chunks)
    result = await run_in_threadpool(views.run_import, request.app.state.db, data)
    return result


@router.get("/docs", include_in_schema=False)
def docs_page(request: Request) -> Response:
    """A readable, offline API reference built from the OpenAPI description (no CDN)."""
    context = {
        "spec": request.app.openapi(),
        "base": str(request.base_url).rstrip("/"),
        "user": None,
        "title": "JSON API",
    }
    return request.app.state.templates.TemplateResponse(request, "api_docs.html", context)
