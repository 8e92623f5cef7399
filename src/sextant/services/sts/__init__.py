"""AWS STS: the identity of the caller (the sagemaker SDK and most tools ask for it first)."""

from __future__ import annotations

from typing import Any

from ..context import Context


def get_caller_identity(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    user = context.access_key or "anonymous"
    return {"UserId": user, "Account": context.account, "Arn": f"arn:aws:iam::{context.account}:user/{user}"}
