"""The HTTP reference: what `GET /openapi.json` says, merged over every configuration.

The document describes the app as configured (a strategy, its variant, the token's place),
so one configuration shows only its own answers. Here every configuration the measurements
run, and each cookie-capable one with TOKEN_LOCATION=cookie, serves its document, and each
answer is listed once with the configurations that give it.
"""

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.harness.quiet import quiet_apps
from benchmarks.measurable import MeasuredConfiguration, configurations
from reference.markdown import code, table
from sandbox import create_app
from sandbox.config import APP_SETTINGS, THROWAWAY_HASH
from strategies import registry

Document = dict[str, Any]


def served(instance: Path, configuration: MeasuredConfiguration, cookie: bool) -> Document:
    declared = (*APP_SETTINGS, *registry.load(configuration.name).settings)
    settings = {
        **{setting.name: setting.default for setting in declared},  # never the environment's
        "AUTH_STRATEGY": configuration.name,
        "INSTANCE_PATH": str(instance),
        "PASSWORD_HASH_METHOD": THROWAWAY_HASH,  # seeds the demo user; no answer depends on it
        "TOKEN_LOCATION": "cookie" if cookie else "header",
        **configuration.settings,
    }
    with quiet_apps():  # the embedded store's warnings, true of every document's app
        return create_app(settings).test_client().get("/openapi.json").get_json()


def documents() -> Iterator[tuple[str, Document]]:
    """(label, its /openapi.json) for every configuration, then the cookie-mode ones."""
    with tempfile.TemporaryDirectory() as folder:
        found = configurations(registry.names())
        for index, configuration in enumerate(found):
            yield configuration.label, served(Path(folder, str(index)), configuration, False)
        for index, configuration in enumerate(found):
            # A token bound to a key (TOKEN_BINDING=dpop) travels in the header only.
            bound = configuration.settings.get("TOKEN_BINDING", "none") != "none"
            if registry.load(configuration.name).cookie_capable and not bound:
                label = f"{configuration.label} (cookie)"
                yield label, served(Path(folder, f"cookie-{index}"), configuration, True)


def named(schema: dict[str, Any] | None) -> str:
    """A body's schema as the reference names it: a component's name, else its type."""
    if not schema:
        return ""
    if "$ref" in schema:
        return code(schema["$ref"].rsplit("/", 1)[1])
    return schema.get("type", "JSON")


def resolved(document: Document, response: Document) -> Document:
    if "$ref" in response:
        return document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response


def body(response: Document) -> str:
    content = response.get("content", {})
    if "text/html" in content:
        return "HTML"
    return named(content.get("application/json", {}).get("schema"))


COOKIE = " (cookie)"


def merged(labels: list[str], every: list[str]) -> list[str]:
    """A configuration that gives the answer in both token places is named once, bare;
    in one place only, with that place: "(header)" or "(cookie)"."""
    named = []
    for label in every:
        if label.endswith(COOKIE):
            if label in labels and label.removesuffix(COOKIE) not in labels:
                named.append(label)
        elif label in labels:
            in_cookies = label + COOKIE
            both = in_cookies in labels or in_cookies not in every
            named.append(label if both else f"{label} (header)")
    return named


def who(labels: list[str], every: list[str]) -> str:
    """The configurations that give an answer: all, all but a few, or those few."""
    if labels == every:
        return "all"
    if labels == [label for label in every if label.endswith(COOKIE)]:
        return "all with TOKEN_LOCATION=cookie"
    missing = merged([label for label in every if label not in labels], every)
    giving = merged(labels, every)
    if len(missing) < len(giving):
        return "all but " + ", ".join(missing)
    return ", ".join(giving)


def answers(served: list[tuple[str, Document]], path: str, method: str) -> list[tuple[str, ...]]:
    """One row per distinct answer (status, description, body, headers) to one operation."""
    given: dict[tuple[str, str, str, str], list[str]] = {}
    for label, document in served:
        operation = document["paths"][path][method]
        for status, response in operation["responses"].items():
            response = resolved(document, response)
            headers = ", ".join(response.get("headers", {}))
            key = (status, response["description"], body(response), headers)
            given.setdefault(key, []).append(label)
    every = [label for label, _ in served]
    return [(*key, who(labels, every)) for key, labels in sorted(given.items())]


def operations() -> str:
    served = list(documents())
    first = served[0][1]
    every = [label for label, _ in served]
    parts = []
    for path, methods in first["paths"].items():
        for method, operation in methods.items():
            lines = [f"### `{method.upper()} {path}`", "", operation["summary"] + "."]
            schemes: dict[str, list[str]] = {}
            for label, document in served:
                for requirement in document["paths"][path][method].get("security", []):
                    for scheme in requirement:
                        schemes.setdefault(scheme, []).append(label)
            if schemes:
                sent = "; ".join(
                    f"{code(s)}: {who(labels, every)}" for s, labels in schemes.items()
                )
                lines += ["", f"Credentials, by security scheme: {sent}."]
            if "requestBody" in operation:
                schema = operation["requestBody"]["content"]["application/json"]["schema"]
                lines += ["", f"Body: {named(schema)} (JSON)."]
            header = ("status", "answer", "body", "headers", "configurations")
            lines += ["", table(header, answers(served, path, method))]
            parts.append("\n".join(lines))
    parts.append(schemas(served))
    parts.append(key_families(served))
    return "\n\n".join(parts)


def schemas(served: list[tuple[str, Document]]) -> str:
    """Each body's fields, and the configurations a field is limited to."""
    fields: dict[str, dict[str, list[str]]] = {}
    for label, document in served:
        for name, schema in document["components"]["schemas"].items():
            for field in schema.get("properties", {}):
                fields.setdefault(name, {}).setdefault(field, []).append(label)
    every = [label for label, _ in served]
    rows = []
    for name, by_field in fields.items():
        with_schema = sorted(
            {label for labels in by_field.values() for label in labels}, key=every.index
        )
        listed = [
            code(field) + ("" if labels == with_schema else f" ({who(labels, every)})")
            for field, labels in by_field.items()
        ]
        rows.append((code(name), ", ".join(listed)))
    return "### Bodies\n\n" + table(("schema", "fields"), rows)


def key_families(served: list[tuple[str, Document]]) -> str:
    """`info.x-token-store`: the Redis keys each configuration keeps, and what each holds."""
    rows: dict[tuple[str, str], list[str]] = {}
    for label, document in served:
        for family, held in document["info"]["x-token-store"]["keys"].items():
            rows.setdefault((code(family), held), []).append(label)
    every = [label for label, _ in served]
    listed = [(*key, who(labels, every)) for key, labels in rows.items()]
    return "### Keys in the token store\n\n" + table(("key", "holds", "configurations"), listed)
