"""Input types that keep bad input a 422 instead of a database error (a 500), and the one pagination.

- `Id`: a primary key; beyond 64 bits SQLite and PostgreSQL fail rather than find nothing.
- `Text`: a string without NUL characters, which PostgreSQL refuses in text and JSON columns.
- `Pagination`: limit/offset, at most 500 per page (`?limit=500&offset=1000`).
"""

from typing import Annotated

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import AfterValidator

MAX_ID = 2**63 - 1
MAX_LIMIT = 500
MAX_OFFSET = 2**31


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Text = Annotated[str, AfterValidator(_no_nul)]


class PageParams(Schema):
    limit: int = Field(100, ge=1, le=MAX_LIMIT, description="At most 500.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class Pagination(LimitOffsetPagination):
    Input = PageParams  # type: ignore[assignment]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)  # type: ignore[arg-type]
