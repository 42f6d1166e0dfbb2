"""OpenAPI additions: the platform's error shape on every operation, and 429 where throttling applies."""

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "example": "validation_error"},
                "message": {"type": "string"},
                "details": {"description": "Field errors or extra context, when there are any."},
                "request_id": {"type": "string", "nullable": True},
                "retry_after_seconds": {"type": "integer", "description": "Only on 429."},
            },
        }
    },
}

ERROR_RESPONSES = {
    "400": "The request is malformed or fails validation.",
    "401": "Missing, expired, forged or blacklisted credentials.",
    "403": "Signed in, but not allowed.",
    "404": "No such resource, or it belongs to someone else.",
    "429": "Rate limit exceeded; retry after the number of seconds in the Retry-After header.",
}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: documents the error shape and 429 on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["ErrorResponse"] = ERROR_SCHEMA
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_RESPONSES.items():
                entry = {"description": description, "content": ref}
                if status == "429":
                    entry["headers"] = {
                        "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}
                    }
                responses.setdefault(status, entry)
    return result
