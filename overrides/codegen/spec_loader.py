"""Load an OpenAPI document (YAML or JSON, from a path or an http(s) URL), or fail in one line.

- JSON (a `.json` name, or text starting with `{`) is read with the json module: upstream
  ships `openapi.json` beside `openapi.yaml` from 2026-07 on.
- YAML is read with libyaml's C loader first, because the upstream file is ~3 MB and the
  pure-Python loader takes seconds.
- Some upstream YAML redefines an anchor (`&name` twice). YAML 1.2 allows it (an alias
  refers to the latest definition before it; js-yaml, which upstream uses, does the same)
  but PyYAML refuses it. Only then is the file re-read with the pure-Python loader taught
  YAML 1.2 semantics.
- A file that really is malformed raises SpecLoadError with one line:
  `FILE:LINE:COLUMN: problem`, lines and columns counted from 1.

    document = load_document("openapi.yaml")
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.events import AliasEvent

DUPLICATE_ANCHOR = "found duplicate anchor"


class SpecLoadError(Exception):
    """A document that cannot be read or parsed; str() is one line naming file, line and column."""


class _Yaml12Loader(yaml.SafeLoader):
    """SafeLoader that lets a later anchor replace an earlier one of the same name."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if not self.check_event(AliasEvent):
            anchor = self.peek_event().anchor
            if anchor is not None:
                self.anchors.pop(anchor, None)
        return super().compose_node(parent, index)


def _read_text(source: str) -> str:
    if source.startswith(("http://", "https://")):
        import httpx

        try:
            return httpx.get(source, follow_redirects=True, timeout=60).raise_for_status().text
        except httpx.HTTPError as exc:
            raise SpecLoadError(f"{source}: cannot fetch: {exc}") from exc
    try:
        return Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecLoadError(f"{source}: cannot read: {exc}") from exc


def _yaml_error(source: str, exc: yaml.YAMLError) -> SpecLoadError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    what = f"{context}: {problem}" if context and problem != context else problem
    if mark is None:
        return SpecLoadError(f"{source}: invalid YAML: {' '.join(str(what).split())}")
    return SpecLoadError(f"{source}:{mark.line + 1}:{mark.column + 1}: invalid YAML: {' '.join(str(what).split())}")


def parse_document(text: str, source: str) -> Any:
    """Parse `text` (read from `source`, named in errors) as JSON or YAML."""
    if source.endswith(".json") or text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecLoadError(f"{source}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    try:
        return yaml.load(text, Loader=yaml.CSafeLoader)
    except ComposerError as exc:
        if DUPLICATE_ANCHOR not in f"{exc.context} {exc.problem}":
            raise _yaml_error(source, exc) from None
    except yaml.YAMLError as exc:
        raise _yaml_error(source, exc) from None
    try:
        return yaml.load(text, Loader=_Yaml12Loader)  # a SafeLoader subclass: constructs plain data only
    except yaml.YAMLError as exc:
        raise _yaml_error(source, exc) from None


def load_document(source: str | Path) -> Any:
    """The document at a path or URL."""
    source = str(source)
    return parse_document(_read_text(source), source)
