"""NextToken pagination over a list a handler has already filtered and sorted."""

from __future__ import annotations

import base64
from typing import Callable, Sequence, TypeVar

from ..errors import ServiceError

T = TypeVar("T")


def page(items: Sequence[T], token: str | None, limit: int,
         error_code: str = "ValidationException") -> tuple[Sequence[T], str | None]:
    """The page of `items` that `token` points at, and the token of the next page (None at the end)."""
    start = 0
    if token:
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode())
        except ValueError:
            raise ServiceError(error_code, f"Invalid pagination token: {token!r}") from None
    end = start + limit
    following = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else None
    return items[start:end], following


def page_answer(items: Sequence[T], params: dict, key: str, default_limit: int, error_code: str,
                view: Callable[[T], object] = lambda item: item) -> dict:
    """A List* answer: the page of `items` that NextToken/MaxResults ask for (each through `view`) under
    `key`, with NextToken when more follow."""
    chosen, token = page(items, params.get("NextToken"), params.get("MaxResults") or default_limit, error_code)
    return {key: [view(item) for item in chosen], **({"NextToken": token} if token else {})}
