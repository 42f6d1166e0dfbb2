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
#: Operations that take a file (a multipart body) also refuse bodies too big or of a type they do not read.
UPLOAD_ERROR_RESPONSES = {
    "413": "The body or the file is larger than allowed.",
    "415": "The file is of a type the platform does not read.",
}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the error shape and 429 on every operation, 413/415 on uploads."""
    result.setdefault("components", {}).setdefault("schemas", {})["ErrorResponse"] = ERROR_SCHEMA
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            multipart = operation.get("requestBody", {}).get("content", {}).get("multipart/form-data", {})
            takes_file = _has_binary(result, multipart.get("schema", {}))
            errors = {**ERROR_RESPONSES, **(UPLOAD_ERROR_RESPONSES if takes_file else {})}
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and not parameter.get("required"):
                    # DRF reads an optional query parameter sent empty (``?status=``) as not sent at all.
                    parameter["allowEmptyValue"] = True
            for status, description in errors.items():
                entry = {"description": description, "content": ref}
                if status == "429":
                    entry["headers"] = {
                        "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}
                    }
                responses.setdefault(status, entry)
            for status, entry in responses.items():
                if status.startswith("4") and "content" not in entry:
                    entry["content"] = ref  # a 4xx an operation declares by description only (e.g. 409)
    return result


def _has_binary(result: dict[str, Any], schema: dict[str, Any]) -> bool:
    """Does this request schema (following one $ref) have a binary (file) property?"""
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        schema = result.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[1], {})
    return any(prop.get("format") == "binary" for prop in schema.get("properties", {}).values())
