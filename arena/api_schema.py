"""The API's OpenAPI schema, completed with the errors every operation can answer.

Ninja documents what an operation declares. Some answers come from outside its code: the bad
input edge (arena/bad_input.py), ninja's own validation, Django's body limit, the database
outage handler. A client generated from the schema must know those too, and the API fuzz test
(tests/ops/test_api_fuzz.py) holds every answer to it.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from battles.api import ErrorOut


class ValidationErrorOut(ErrorOut):
    errors: list[dict[str, Any]]


def _error_response(description: str, schema: str = "ErrorOut") -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


class ArenaAPI(NinjaAPI):
    """Adds to each operation the errors that can come from outside its own code."""

    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (ErrorOut, ValidationErrorOut):
            components.setdefault(model.__name__, model.model_json_schema(
                ref_template="#/components/schemas/{model}"))
        for operations in schema["paths"].values():
            for operation in operations.values():
                _responses_complete(operation)
        return schema


def _responses_complete(operation: dict[str, Any]) -> None:
    parameters = operation.get("parameters") or []
    has_body = "requestBody" in operation
    shared = {
        400: _error_response("Bad input (code bad_input): a NUL character, an unpaired "
                             "surrogate or invalid UTF-8 anywhere in the request; or a body "
                             "that is not JSON (code malformed)."),
        500: _error_response("An unexpected error (code internal)."),
        503: _error_response("The database or Redis is briefly unavailable (code unavailable); "
                             "retry after Retry-After seconds."),
    }
    if any(parameter.get("in") == "path" for parameter in parameters):
        shared[404] = _error_response("Not found (code not_found).")
    if parameters or has_body:
        shared[422] = _error_response("A parameter or the body fails validation (code "
                                      "invalid); `errors` says which.", "ValidationErrorOut")
    if has_body:
        shared[413] = _error_response("The body is larger than the server accepts "
                                      "(code body_too_large).")
    # Ninja keys its own responses by int; JSON would then hold "404" twice.
    responses = {str(status): response for status, response in operation["responses"].items()}
    for status, response in shared.items():
        responses.setdefault(str(status), response)
    if 422 in shared:  # ninja's own validation errors, whatever the operation declared
        responses["422"] = shared[422]
    operation["responses"] = dict(sorted(responses.items()))
