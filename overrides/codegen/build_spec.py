"""Build the project's openapi.yaml from the official OpenAI spec.

Steps, each deterministic so that `make spec` reproduces openapi.yaml byte for byte:

1. load the upstream document (YAML or JSON, a path or an http(s) URL; spec_loader.py
   beside this file), failing in one line naming file, line and column if it is malformed;
2. keep only the operations the batch workflow needs (OPERATIONS) and the closure
   of the components they reference, plus servers, security and securitySchemes;
   then the response bodies of the batch endpoints (RESULT_SCHEMAS) with their closure,
   cut by RESULT_CUT (result_schemas.py beside this file says how and why). A result
   schema absent upstream fails the build, unless --allow-missing is given, in which
   case it is listed on stderr;
3. drop the `x-oaiMeta` code samples, which are documentation for other SDKs;
4. apply the project's patches, kept as one OpenAPI Overlay 1.0 document
   (overlay.yaml beside this file; overlay.py applies it). Every action must match
   upstream; one that matches nothing fails the build naming itself, unless
   --allow-missing is given (for regenerating against an older upstream), in which
   case each skipped action is still listed on stderr with its kind. A safety action
   is skipped only where the field it protects is absent upstream: one that cannot
   apply to a field that exists fails the build, --allow-missing or not.

Usage: python build_spec.py UPSTREAM OUTPUT [--overlay FILE] [--allow-missing]
"""

from __future__ import annotations

import argparse
import copy
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from overlay import OverlayError, apply_overlay
from result_schemas import CutRules, add_result_schemas
from spec_loader import SpecLoadError, load_document

# The Batch operations and the Files operations a batch workflow needs.
OPERATIONS = (
    "createBatch",
    "retrieveBatch",
    "listBatches",
    "cancelBatch",
    "createFile",
    "listFiles",
    "retrieveFile",
    "deleteFile",
    "downloadFile",
)
# The response body of each endpoint a batch can call, for typed result lines.
RESULT_SCHEMAS = (
    "CreateChatCompletionResponse",
    "Response",
    "CreateEmbeddingResponse",
    "CreateCompletionResponse",
    "CreateModerationResponse",
)
# Within two references of its root a result schema is typed; beyond, and for unions of
# more than four alternatives (output items, tools, input items), it is a free-form object.
RESULT_CUT = CutRules(depth=2, union_width=4)
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
DEFAULT_OVERLAY = Path(__file__).with_name("overlay.yaml")


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _strip_key(node: Any, key: str) -> Any:
    if isinstance(node, dict):
        return {k: _strip_key(v, key) for k, v in node.items() if k != key}
    if isinstance(node, list):
        return [_strip_key(v, key) for v in node]
    return node


def slice_spec(
    upstream: dict[str, Any],
    operations: tuple[str, ...] = OPERATIONS,
    results: tuple[str, ...] = RESULT_SCHEMAS,
    missing_results: list[str] | None = None,
) -> dict[str, Any]:
    """Keep the named operations and everything they reference, then the result schemas (cut).

    Result schemas upstream lacks are appended to `missing_results` when it is given.
    """
    paths: dict[str, Any] = {}
    found: set[str] = set()
    for path, item in upstream["paths"].items():
        kept = {m: op for m, op in item.items() if m in HTTP_METHODS and op.get("operationId") in operations}
        if kept:
            if "parameters" in item:
                kept = {"parameters": item["parameters"], **kept}
            paths[path] = kept
            found.update(op["operationId"] for m, op in kept.items() if m in HTTP_METHODS)
    missing = [op for op in operations if op not in found]
    if missing:
        raise SystemExit(f"build_spec: upstream has no operation(s) {', '.join(missing)}")

    paths = _strip_key(paths, "x-oaiMeta")
    components: dict[str, dict[str, Any]] = {}
    pending = list(_refs(paths))
    while pending:
        ref = pending.pop()
        parts = ref.removeprefix("#/").split("/")
        if parts[0] != "components" or len(parts) != 3:
            raise SystemExit(f"build_spec: unsupported $ref {ref!r}")
        _, section, name = parts
        if name in components.get(section, {}):
            continue
        target = _strip_key(copy.deepcopy(upstream["components"][section][name]), "x-oaiMeta")
        components.setdefault(section, {})[name] = target
        pending.extend(_refs(target))

    absent = add_result_schemas(
        components.setdefault("schemas", {}), upstream, results, RESULT_CUT, lambda node: _strip_key(node, "x-oaiMeta")
    )
    if missing_results is not None:
        missing_results.extend(absent)

    upstream_components = upstream.get("components", {})
    if "securitySchemes" in upstream_components:
        components["securitySchemes"] = copy.deepcopy(upstream_components["securitySchemes"])

    used_tags = {
        tag for item in paths.values() for m, op in item.items() if m in HTTP_METHODS for tag in op.get("tags", [])
    }
    sliced: dict[str, Any] = {"openapi": upstream["openapi"], "info": upstream["info"]}
    if "servers" in upstream:
        sliced["servers"] = upstream["servers"]
    if "security" in upstream:
        sliced["security"] = upstream["security"]
    tags = [t for t in upstream.get("tags", []) if t.get("name") in used_tags]
    if tags:
        sliced["tags"] = tags
    sliced["paths"] = paths
    # Sorted so the output does not depend on the order refs were discovered in.
    sliced["components"] = {section: dict(sorted(items.items())) for section, items in sorted(components.items())}
    return sliced


def dump_yaml(document: Any) -> str:
    header = (
        "# GENERATED by `make spec` from the official OpenAI OpenAPI spec (MIT licence, copyright OpenAI):\n"
        "# a slice of the Batch and Files operations with overrides/codegen/overlay.yaml applied.\n"
        "# Do not edit by hand; change the overlay and run `make spec`.\n"
    )
    body = yaml.dump(document, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True, width=100)
    return header + body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("upstream")
    parser.add_argument("output")
    parser.add_argument("--overlay", default=str(DEFAULT_OVERLAY))
    parser.add_argument(
        "--allow-missing", action="store_true", help="skip (and list) overlay actions that match nothing"
    )
    args = parser.parse_args(argv)

    try:
        upstream = load_document(args.upstream)
        overlay = load_document(args.overlay)
    except SpecLoadError as exc:
        print(f"build_spec: {exc}", file=sys.stderr)
        return 1
    if not isinstance(upstream, dict) or not isinstance(upstream.get("paths"), dict):
        print(f"build_spec: {args.upstream}: not an OpenAPI document (no `paths` object)", file=sys.stderr)
        return 1
    missing_results: list[str] = []
    sliced = slice_spec(upstream, missing_results=missing_results)
    try:
        skipped = apply_overlay(sliced, overlay, allow_missing=args.allow_missing)
    except OverlayError as exc:
        print(f"build_spec: {exc}", file=sys.stderr)
        return 1
    for item in skipped:
        print(f"build_spec: skipped overlay action {item} for {args.upstream}", file=sys.stderr)
    if missing_results and not args.allow_missing:
        names = ", ".join(missing_results)
        print(
            f"build_spec: {args.upstream} has no result schema(s) {names}; --allow-missing builds without",
            file=sys.stderr,
        )
        return 1
    for name in missing_results:
        print(f"build_spec: skipped result schema {name} (absent upstream) for {args.upstream}", file=sys.stderr)
    Path(args.output).write_text(dump_yaml(sliced), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
