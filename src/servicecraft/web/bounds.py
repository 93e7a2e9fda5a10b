"""Parameter bounds shared by the pages and the API: what the databases can hold.

The ids are INTEGER columns: on PostgreSQL an id at or above 2**31 overflows (SQLite's at
2**63), so ids are bounded to what PostgreSQL holds, the same on both. A date
at the calendar's end overflows when a day is added to make a range end: both must be a
client error (422 in the API, 400 on a page; 404 for an id in the address), never a 500.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Form, Path, Query
from pydantic import Field

MAX_ID = 2**31 - 1  # PostgreSQL's INTEGER
# The years a stored conversation can have (service.importing.FIRST_YEAR..LAST_YEAR).
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2999, 12, 31)
MAX_PAGE = 100_000
NO_NUL = r"^[^\x00]*$"  # PostgreSQL's text holds no NUL byte

PathId = Annotated[int, Path(ge=-MAX_ID, le=MAX_ID)]
IdFilter = Annotated[int | None, Query(ge=-MAX_ID, le=MAX_ID)]
DateFilter = Annotated[
    date | None,
    Query(ge=FIRST_DATE, le=LAST_DATE, description="YYYY-MM-DD, from 1900-01-01 to 2999-12-31"),
]
Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]
# The same bounds for a form's fields and a JSON body's (a pydantic model's) fields.
IdForm = Annotated[int | None, Form(ge=-MAX_ID, le=MAX_ID)]
DateForm = Annotated[date | None, Form(ge=FIRST_DATE, le=LAST_DATE)]
IdField = Annotated[int | None, Field(ge=-MAX_ID, le=MAX_ID)]
DateField = Annotated[date | None, Field(ge=FIRST_DATE, le=LAST_DATE)]
