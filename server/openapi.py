"""The OpenAPI document as a contract.

Litestar derives paths, parameters and bodies from the routes and takes each handler's docstring as
its description. This module adds what it cannot see: the bearer scheme and which operations need
no token, the idempotency headers of every mutating operation, and the problem+json answers each
operation can give, per status with the codes that status can carry (``server/problem_codes.py``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from litestar import Litestar
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import (
    Components,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    Schema,
    SecurityScheme,
)

from server.mutations import registered_kinds
from server.problem_codes import CODE_STATUS, OPERATION_CODES
from server.problems import PROBLEM_JSON

BEARER = "bearer"
PUBLIC_OPERATIONS = frozenset({"health", "readiness", "login", "badgeLogin", "refreshToken"})
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Codes any operation can answer, whatever its handler does: malformed or oversized requests, values
# the database cannot hold, a backend that is down, a fault.
EVERY_OPERATION = {
    "request.invalid": 400,
    "request.invalid_path": 400,
    "request.too_deep": 400,
    "request.too_large": 413,
    "request.unsupported_media_type": 415,
    "request.headers_too_large": 431,
    "request.out_of_range": 422,
    "request.invalid_character": 422,
    "request.too_many_lines": 422,
    "request.quantity_too_large": 422,
    "server.error": 500,
    "service.unavailable": 503,
    "db.conflict": 503,
    "db.unavailable": 503,
    "db.reconnected": 503,
    "server.busy": 503,
}
WITH_TOKEN = {"auth.unauthenticated": 401, "auth.forbidden": 403, "auth.wrong_warehouse": 403}
WITH_IDEMPOTENCY = {"idempotency.key_invalid": 400, "idempotency.key_reused": 422}

DESCRIPTION = """\
Floorsync's HTTP API. Conventions that hold for every operation:

- **Auth**: `Authorization: Bearer <access token>` from `POST /api/auth/login` or `/api/auth/badge`;
  every operation checks the caller's role and warehouses.
- **Idempotency**: every mutating operation takes an `Idempotency-Key` header. The same key and body
  replay the stored answer (with `Idempotent-Replayed: true`); the same key with another body is a
  422 `idempotency.key_reused`.
- **Errors**: `application/problem+json` (RFC 9457) with a stable machine `code`; each operation
  lists the codes it can answer, by status. Bad input writes nothing.
- **Numbers**: quantities are integers in the item's base unit. Money is an integer in the currency's
  minor unit (cents for EUR: `unit_price_minor: 1250` is 12.50) beside its ISO 4217 `currency`.
- **Time**: timestamps are ISO 8601 in UTC; dates are calendar dates of the warehouse.
- **Live screens**: snapshot reads return `as_of` (`{epoch, seq}`); subscribe from it over `/ws`
  (see the protocol document).
"""


def _render_plugins(env: str) -> list[OpenAPIRenderPlugin]:
    # Swagger UI loads from a CDN: dev only; prod serves the schema itself, /schema/openapi.json
    if env == "prod":
        return [JsonRenderPlugin()]
    return [SwaggerRenderPlugin()]


def openapi_config(version: str, *, env: str) -> OpenAPIConfig:
    """Litestar's OpenAPI settings: handler docstrings as descriptions, the bearer scheme for all."""
    return OpenAPIConfig(
        title="Floorsync",
        version=version,
        description=DESCRIPTION,
        path="/schema",
        render_plugins=_render_plugins(env),
        use_handler_docstrings=True,
        security=[{BEARER: []}],
        components=Components(
            security_schemes={
                BEARER: SecurityScheme(
                    type="http",
                    scheme="bearer",
                    bearer_format="JWT",
                    description="A 15-minute access token from POST /api/auth/login or /api/auth/badge.",
                )
            },
            schemas={"Problem": _problem_schema()},
        ),
    )


def _problem_schema() -> Schema:
    text = Schema(type=OpenAPIType.STRING)
    return Schema(
        type=OpenAPIType.OBJECT,
        required=["type", "title", "status", "code", "detail"],
        properties={
            "type": text,
            "title": text,
            "status": Schema(type=OpenAPIType.INTEGER),
            "code": Schema(type=OpenAPIType.STRING, description="Stable machine code, e.g. stock.insufficient"),
            "detail": Schema(type=OpenAPIType.STRING, description="What happened and what to do, for a person"),
            "instance": text,
            "errors": Schema(type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.OBJECT)),
        },
        description="An RFC 9457 problem; more fields may carry the facts behind it (item, quantities).",
    )


def operation_codes(operation_id: str, method: str) -> dict[str, int]:
    """Every problem code the operation can answer, with its status."""
    codes = dict(EVERY_OPERATION)
    if operation_id not in PUBLIC_OPERATIONS:
        codes |= WITH_TOKEN
    if method in MUTATING:
        codes |= WITH_IDEMPOTENCY
    for code in OPERATION_CODES.get(operation_id, ()):
        codes[code] = CODE_STATUS[code]
    return codes


def _problem_responses(codes: dict[str, int]) -> dict[str, OpenAPIResponse]:
    by_status: dict[int, list[str]] = defaultdict(list)
    for code, status in codes.items():
        by_status[status].append(code)
    responses = {}
    for status, listed in sorted(by_status.items()):
        enum = Schema(type=OpenAPIType.STRING, enum=sorted(listed))
        narrowed = Schema(type=OpenAPIType.OBJECT, properties={"code": enum})
        schema = Schema(all_of=[Reference(ref="#/components/schemas/Problem"), narrowed])
        responses[str(status)] = OpenAPIResponse(
            description="A problem: " + ", ".join(f"`{code}`" for code in sorted(listed)),
            content={PROBLEM_JSON: OpenAPIMediaType(schema=schema)},
        )
    return responses


IDEMPOTENCY_KEY = Parameter(
    name="Idempotency-Key",
    param_in="header",
    required=False,
    schema=Schema(type=OpenAPIType.STRING, max_length=255),
    description="Any unique string (a UUID): the same key and body replay the stored answer instead of acting twice.",
)
REPLAYED = OpenAPIHeader(
    schema=Schema(type=OpenAPIType.STRING, enum=["true"]),
    description="Present when this answer is the stored one for a repeated Idempotency-Key.",
)


def _document_operation(operation: Operation, method: str) -> None:
    operation_id = operation.operation_id or ""
    if operation_id in PUBLIC_OPERATIONS:
        operation.security = []
    responses: dict[str, Any] = {
        status: response for status, response in (operation.responses or {}).items() if status.startswith("2")
    }
    if method in MUTATING:
        operation.parameters = [*(operation.parameters or []), IDEMPOTENCY_KEY]
        for response in responses.values():
            if isinstance(response, OpenAPIResponse):
                response.headers = {**(response.headers or {}), "Idempotent-Replayed": REPLAYED}
    responses |= _problem_responses(operation_codes(operation_id, method))
    operation.responses = responses


def _mutation_kinds() -> str:
    kinds = ", ".join(f"`{kind}`" for kind in registered_kinds())
    return f"\n\nKinds: {kinds}; each kind's payload schema is in docs/device-mutations.md."


def document_contract(app: Litestar) -> None:
    """Add the conventions above to every operation of the app's OpenAPI document (built once, here)."""
    for path_item in (app.openapi_schema.paths or {}).values():
        for method in ("get", "put", "post", "patch", "delete"):
            operation = getattr(path_item, method, None)
            if isinstance(operation, Operation):
                _document_operation(operation, method.upper())
                if operation.operation_id == "pushDeviceMutations":
                    operation.description = (operation.description or "") + _mutation_kinds()
