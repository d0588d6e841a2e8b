"""What the v1 routers share: documented problem responses and pagination limits."""

from __future__ import annotations

from typing import Any

from statut.api.v1.schemas import Problem

PROBLEM_MEDIA_TYPE = "application/problem+json"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses for problem documents of ``statuses`` (and 401, 422, 429, 500 always)."""
    descriptions = {
        400: "Invalid parameter (a national number, a cursor...)",
        401: "No valid access token",
        403: "The policy refuses this route to your role",
        404: "Not found, or outside your access (indistinguishable on purpose)",
        409: "Conflict with the current state",
        412: "If-Match does not name the current version",
        428: "If-Match is required",
        422: "The request does not match the schema",
        429: "Too many requests (see Retry-After)",
        500: "Unexpected error (quote the request id)",
    }
    wanted = sorted({*statuses, 401, 422, 429, 500})
    return {
        status: {
            "description": descriptions.get(status, "Problem"),
            "content": {
                PROBLEM_MEDIA_TYPE: {"schema": Problem.model_json_schema(ref_template="#/components/schemas/{model}")}
            },
        }
        for status in wanted
    }
