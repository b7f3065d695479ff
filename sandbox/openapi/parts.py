"""The pieces the OpenAPI document is written with: references, responses, operations."""

from typing import Any

Schema = dict[str, Any]


def ref(kind: str, name: str) -> Schema:
    return {"$ref": f"#/components/{kind}/{name}"}


def answer(description: str, schema: Schema | None = None, *headers: str) -> Schema:
    """A response: a JSON body of `schema` (none without) and these headers of the components."""
    response: Schema = {"description": description}
    if schema is not None:
        response["content"] = {"application/json": {"schema": schema}}
    if headers:
        response["headers"] = {name: ref("headers", name) for name in headers}
    return response


def error(description: str, *headers: str) -> Schema:
    return answer(description, ref("schemas", "Error"), *headers)


def operation(method: str, summary: str, responses: Schema, **more: Any) -> Schema:
    """A path's one operation; any other method gets 405 (with `Allow`)."""
    responses["405"] = ref("responses", "MethodNotAllowed")
    return {method: {"summary": summary, **more, "responses": responses}}


def closed(properties: Schema) -> Schema:
    """An object of exactly these properties."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
