"""Every text input of the API refuses control characters (NUL above all) with a clear 422.

A NUL byte once went from a webhook's name down to PostgreSQL (store/subscriptions.py), which cannot
store it in text: a 500, found by schemathesis now and then. Every text field is now of the shared
type ``SafeText`` (api/v1/schemas.py). This test does not trust a list: it walks the application's
OpenAPI document and, for every /api/ operation and every free-text input (path and query
parameters, JSON and form body fields, nested ones included), sends that one input with a NUL byte
and a valid value everywhere else, and expects a 422 problem whose error names that input.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.api.conftest import World

NUL = "\x00"
ESCAPE = "\x1b"


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    if "anyOf" in schema:  # Optional[X]: take X
        schema = next(s for s in schema["anyOf"] if s.get("type") != "null")
        return _resolve(schema, spec)
    return schema


def _free_text(schema: dict[str, Any]) -> bool:
    constrained = {"enum", "const", "pattern", "format", "contentMediaType"}  # codes, dates, URLs, files
    return schema.get("type") == "string" and not constrained & set(schema)


def _with_control(schema: dict[str, Any], character: str) -> str:
    """A value of an acceptable length for ``schema`` with ``character`` in the middle."""
    size = max(6, schema.get("minLength", 0))
    size = min(size, schema.get("maxLength", size))
    return ("ab" + character).ljust(size, "c")


def _sample(schema: dict[str, Any], spec: dict[str, Any]) -> Any:
    """A value the schema accepts (or close enough: only the error on the NUL input is checked)."""
    schema = _resolve(schema, spec)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object":
        return {name: _sample(sub, spec) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [_sample(schema.get("items", {}), spec)]
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return "2026-01-01"
    if schema.get("format") in {"uri", "url"}:
        return "https://hooks.example.org/x"
    return "x" * max(1, schema.get("minLength", 1))


def _leaves(
    schema: dict[str, Any], spec: dict[str, Any], path: tuple[str | int, ...] = ()
) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Paths to every free-text leaf of a body schema, with the leaf's schema."""
    schema = _resolve(schema, spec)
    if _free_text(schema):
        return [(path, schema)]
    if schema.get("type") == "object":
        return [
            leaf for name, sub in schema.get("properties", {}).items() for leaf in _leaves(sub, spec, (*path, name))
        ]
    if schema.get("type") == "array":
        return _leaves(schema.get("items", {}), spec, (*path, 0))
    return []


def _put(document: Any, path: tuple[Any, ...], value: str) -> Any:
    if not path:
        return value
    head, *rest = path
    copy = list(document) if isinstance(document, list) else dict(document)
    copy[head] = _put(copy[head], tuple(rest), value)
    return copy


Case = tuple[str, str, str, tuple[Any, ...], dict[str, Any]]


def _cases(spec: dict[str, Any]) -> list[Case]:
    cases = []
    for route, operations in spec["paths"].items():
        if not route.startswith("/api/"):
            continue
        for method, operation in operations.items():
            cases.extend(
                (method.upper(), route, parameter["in"], (parameter["name"],), _resolve(parameter["schema"], spec))
                for parameter in operation.get("parameters", [])
                if parameter["in"] in {"path", "query"} and _free_text(_resolve(parameter["schema"], spec))
            )
            for media, content in operation.get("requestBody", {}).get("content", {}).items():
                kind = "json" if media == "application/json" else "form"
                cases.extend(
                    (method.upper(), route, kind, leaf, leaf_schema)
                    for leaf, leaf_schema in _leaves(content["schema"], spec)
                )
    return cases


def _request(world: World, spec: dict[str, Any], case: Case, character: str) -> Any:
    method, route, where, leaf, schema = case
    bad = _with_control(schema, character)
    operation = spec["paths"][route][method.lower()]
    path_values = {
        p["name"]: str(_sample(p["schema"], spec)) if p["name"] != "code" else "F101"
        for p in operation.get("parameters", [])
        if p["in"] == "path"
    }
    query: dict[str, Any] = {}
    if where == "path":
        path_values[leaf[0]] = quote(bad, safe="")  # the server decodes %00 back to NUL
    if where == "query":
        query[leaf[0]] = bad
    url = route.format(**path_values)
    body_spec = operation.get("requestBody", {}).get("content", {})
    headers = world.headers("system_f1", **{"If-Match": "*"})
    if "application/json" in body_spec:
        body = _sample(body_spec["application/json"]["schema"], spec)
        if where == "json":
            body = _put(body, leaf, bad)
        return world.client.request(method, url, params=query, json=body, headers=headers)
    if "multipart/form-data" in body_spec:
        schema = _resolve(body_spec["multipart/form-data"]["schema"], spec)
        form = dict.fromkeys(leaf, bad) if where == "form" else {}
        files = {
            name: ("f.csv", b"record_type\n", "text/csv")
            for name, sub in schema.get("properties", {}).items()
            if _resolve(sub, spec).get("format") in {"binary", "byte"} or "contentMediaType" in _resolve(sub, spec)
        }
        return world.client.request(method, url, params=query, data=form, files=files, headers=headers)
    return world.client.request(method, url, params=query, headers=headers)


def test_every_free_text_input_refuses_control_characters(world: World) -> None:
    spec = world.client.app.openapi()  # type: ignore[attr-defined]
    cases = _cases(spec)
    # The inputs this must reach, at least: path and query parameters, JSON bodies, nested, forms.
    kinds = {case[2] for case in cases}
    assert {"path", "query", "json", "form"} <= kinds, kinds
    assert any(len(case[3]) > 1 for case in cases), "no nested body field found"
    failures = []
    for case in cases:
        for character in (NUL, ESCAPE):
            response = _request(world, spec, case, character)
            errors = response.json().get("errors") or [] if response.status_code == 422 else []
            named = [e for e in errors if str(case[3][-1]) in e["loc"] and "control character" in e["msg"]]
            if response.status_code != 422 or not named:
                failures.append(f"{case[:4]}: {response.status_code} {response.text[:200]}")
    assert not failures, "\n".join(failures)


def test_regression_a_nul_in_a_webhook_name_never_reaches_the_database(world: World) -> None:
    body = {"name": "F101:\x00", "url": "https://hooks.example.org/statut", "types": []}
    response = world.client.post("/api/v1/events/webhooks", json=body, headers=world.headers("agent_f1"))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "statut.request.invalid"
    [error] = problem["errors"]
    assert error["loc"] == ["body", "name"]
    assert "control character U+0000 at position 5" in error["msg"]


@pytest.mark.parametrize("value", ["tab\there", "line\nbreak", "del\x7f", "esc\x1b[31m"])
def test_other_control_characters_are_refused_too(world: World, value: str) -> None:
    response = world.client.get("/api/v1/funds/F101/members", params={"q": value}, headers=world.headers("agent_f1"))
    assert response.status_code == 422
    assert "control character" in response.json()["errors"][0]["msg"]


def test_printable_unicode_is_accepted(world: World) -> None:
    response = world.client.get(
        "/api/v1/funds/F101/members", params={"q": "Müller-Lefèbvre ’t"}, headers=world.headers("agent_f1")
    )
    assert response.status_code == 200
