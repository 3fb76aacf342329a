"""The generated package's surface, checked against the OpenAPI document it should come from.

Everything expected is derived from the spec at call time (never from a list kept here):
operation modules and their parameters, model classes and their properties, required-ness
and nullability. Names follow openapi-python-client's own rules, computed with its
`ClassName`/`PythonIdentifier` helpers and generator-config.yaml's `class_overrides`, so
a rename upstream shows up as a missing name rather than being papered over.

The check runs against any folder holding an `openai_batch_api` package (the committed
generated/ or a fresh generation in a temporary folder). The package is imported under a
private alias so that a second copy can be inspected beside the installed one.

    problems = check_generated_package(Path("openapi.yaml"), Path("generated"))
    assert not problems, "\\n".join(problems)

Each problem is one line naming the operationId, model, property or file concerned.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import hashlib
import importlib
import importlib.util
import inspect
import itertools
import json
import re
import sys
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import attrs
import yaml
from openapi_python_client.strings import ClassName, PythonIdentifier, pascal_case

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi.yaml"
CONFIG = ROOT / "generator-config.yaml"
GENERATED = ROOT / "generated"
HAND_WRITTEN = ROOT / "overrides" / "openai_batch"
CODEGEN = ROOT / "overrides" / "codegen"
OVERLAY = CODEGEN / "overlay.yaml"

PACKAGE = "openai_batch_api"
HAND_WRITTEN_PACKAGE = "openai_batch"
MANIFEST = "codegen-manifest.json"
FUNCTIONS = ("sync", "sync_detailed", "asyncio", "asyncio_detailed")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# The generator's body kinds, keyed by content type; used in class names when an
# operation accepts several content types.
BODY_KINDS = {
    "application/json": "json",
    "multipart/form-data": "files",
    "application/x-www-form-urlencoded": "data",
    "application/octet-stream": "content",
}
# Parameter names the generated functions reserve for themselves.
RESERVED_PARAMETER_NAMES = ("client", "url")
EXTRA_KEY = "x_contract_extra"


def load_yaml(path: Path) -> Any:
    # libyaml's loader: the pure-Python one is many times slower on the specs.
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- what the spec says the package must contain -------------------------------------------


@dataclass(frozen=True)
class Param:
    name: str
    python_name: str
    location: str
    required: bool


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    tag_module: str
    module: str
    params: tuple[Param, ...]
    has_body: bool
    body_required: bool
    body_class: str | None
    response_class: str | None

    @property
    def label(self) -> str:
        return f"operation {self.operation_id} ({self.method.upper()} {self.path})"

    @property
    def module_file(self) -> str:
        return f"{PACKAGE}/api/{self.tag_module}/{self.module}.py"


@dataclass(frozen=True)
class Prop:
    name: str
    python_name: str
    required: bool
    nullable: bool
    schema: Any


@dataclass(frozen=True)
class Model:
    class_name: str
    module_name: str
    where: str
    schema: dict[str, Any]
    props: tuple[Prop, ...]
    additional: Any  # False (none allowed), True (anything) or the schema of the values

    @property
    def label(self) -> str:
        return f"model {self.class_name} ({self.where})"


@dataclass
class Contract:
    """The generated surface a spec calls for, under a generator configuration."""

    spec: dict[str, Any]
    config: dict[str, Any]
    operations: dict[str, Operation] = field(default_factory=dict)
    models: dict[str, Model] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)
    _component_classes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_files(cls, spec_path: Path = SPEC, config_path: Path = CONFIG) -> Contract:
        contract = cls(spec=load_yaml(spec_path), config=load_yaml(config_path) or {})
        contract._build()
        return contract

    # -- the generator's naming rules ------------------------------------------------------

    @property
    def _prefix(self) -> str:
        return str(self.config.get("field_prefix", "field_"))

    def python_name(self, name: str) -> str:
        return str(PythonIdentifier(name, self._prefix))

    def _class(self, string: str) -> tuple[str, str]:
        class_name = str(ClassName(string.rsplit("/", 1)[-1], self._prefix))
        override = (self.config.get("class_overrides") or {}).get(class_name) or {}
        if override.get("class_name"):
            class_name = str(ClassName(override["class_name"], self._prefix))
        module_name = str(PythonIdentifier(override.get("module_name") or class_name, self._prefix))
        return class_name, module_name

    # -- spec navigation -------------------------------------------------------------------

    def resolve(self, node: Any) -> Any:
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen or not ref.startswith("#/"):
                raise ValueError(f"cannot resolve $ref {ref!r}")
            seen.add(ref)
            node = self.spec
            for part in ref[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    @staticmethod
    def _normalised(schema: dict[str, Any]) -> dict[str, Any]:
        """OpenAPI 3.0 `nullable: true` in the 3.1 form the generator converts it to."""
        if not schema.get("nullable"):
            return schema
        schema = dict(schema)
        schema.pop("nullable")
        kind = schema.get("type")
        if isinstance(kind, str):
            schema["type"] = [kind, "null"]
        elif isinstance(kind, list):
            schema["type"] = kind if "null" in kind else [*kind, "null"]
        elif schema.get("oneOf"):
            schema["oneOf"] = [*schema["oneOf"], {"type": "null"}]
        elif schema.get("anyOf"):
            schema["anyOf"] = [*schema["anyOf"], {"type": "null"}]
        elif schema.get("allOf"):
            schema["oneOf"] = [{"type": "null"}, {"allOf": schema.pop("allOf")}]
        return schema

    def is_nullable(self, schema: Any) -> bool:
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return False
        schema = self._normalised(schema)
        kind = schema.get("type")
        if kind == "null" or (isinstance(kind, list) and "null" in kind):
            return True
        if None in (schema.get("enum") or []):
            return True
        return any(self.is_nullable(m) for m in [*schema.get("anyOf", []), *schema.get("oneOf", [])])

    def object_properties(self, schema: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
        """Properties and required names of an object schema, allOf members merged in."""
        properties: dict[str, Any] = {}
        required: set[str] = set()
        for member in schema.get("allOf", []):
            member_props, member_required = self.object_properties(self._normalised(self.resolve(member)))
            properties.update(member_props)
            required |= member_required
        properties.update(schema.get("properties") or {})
        required |= set(schema.get("required") or [])
        return properties, required

    # -- walking the spec the way the generator does ----------------------------------------

    def _walk(self, schema: Any, name: str, parent: str, where: str) -> str | None:
        """Record every model `schema` gives rise to; return its own class name, if it is one."""
        if not isinstance(schema, dict):
            return None
        if "$ref" in schema:
            return self._component_classes.get(schema["$ref"])
        schema = self._normalised(schema)
        members = [*schema.get("allOf", []), *schema.get("anyOf", []), *schema.get("oneOf", [])]
        if len(members) == 1 and "$ref" in members[0]:
            return self._component_classes.get(members[0]["$ref"])
        kind = schema.get("type")
        if kind == "boolean" or schema.get("enum"):
            return None
        if schema.get("anyOf") or schema.get("oneOf") or isinstance(kind, list):
            variants = [*schema.get("anyOf", []), *schema.get("oneOf", [])]
            if isinstance(kind, list):
                variants += [{**schema, "type": k, "default": None} for k in kind]
            for index, variant in enumerate(variants):
                title = variant.get("title") if isinstance(variant, dict) and "$ref" not in variant else None
                subscript = title if title and title != schema.get("title") else f"type_{index}"
                self._walk(variant, f"{name}_{subscript}", parent, f"{where} variant {index}")
            return None
        if "const" in schema or kind in ("string", "number", "integer", "null"):
            return None
        if kind == "array":
            self._walk(schema.get("items"), f"{name}_item", parent, f"{where} items")
            return None
        if kind == "object" or schema.get("allOf") or (kind is None and schema.get("properties")):
            return self._add_model(schema, name, parent, where)
        return None

    def _add_model(self, schema: dict[str, Any], name: str, parent: str, where: str) -> str:
        title = schema.get("title")
        if title and not self.config.get("use_path_prefixes_for_title_model_names", True):
            class_string = title
        elif parent:
            class_string = f"{pascal_case(parent)}{pascal_case(title or name)}"
        else:
            class_string = title or name
        class_name, module_name = self._class(class_string)
        properties, required = self.object_properties(schema)
        props = tuple(
            Prop(
                name=key,
                python_name=self.python_name(key),
                required=key in required,
                nullable=self.is_nullable(value),
                schema=value,
            )
            for key, value in properties.items()
        )
        additional = schema.get("additionalProperties", True)
        if additional == {}:
            additional = True
        if class_name in self.models:
            self.duplicates.append(f"{where}: class name {class_name} is also used by {self.models[class_name].where}")
        else:
            self.models[class_name] = Model(class_name, module_name, where, schema, props, additional)
        for key, value in properties.items():
            self._walk(value, key, class_name, f"{where}.properties.{key}")
        if isinstance(additional, dict):
            self._walk(additional, "AdditionalProperty", class_name, f"{where}.additionalProperties")
        return class_name

    def _build(self) -> None:
        schemas = (self.spec.get("components") or {}).get("schemas") or {}
        # Component classes first: properties that $ref them reuse these names.
        for key, schema in schemas.items():
            ref = f"#/components/schemas/{key}"
            resolved = self._normalised(schema) if isinstance(schema, dict) else schema
            kind = resolved.get("type") if isinstance(resolved, dict) else None
            is_model = (
                isinstance(resolved, dict)
                and not resolved.get("enum")
                and kind != "boolean"
                and (kind == "object" or resolved.get("allOf") or (kind is None and resolved.get("properties")))
            )
            if is_model and not resolved.get("anyOf") and not resolved.get("oneOf"):
                self._component_classes[ref] = self._class(resolved.get("title") or key)[0]
        for key, schema in schemas.items():
            self._walk(schema, key, "", f"components.schemas.{key}")
        for path, item in (self.spec.get("paths") or {}).items():
            for method in HTTP_METHODS:
                if isinstance(item.get(method), dict):
                    operation = self._operation(path, method, item, item[method])
                    self.operations[operation.operation_id] = operation

    def _operation(self, path: str, method: str, item: dict[str, Any], op: dict[str, Any]) -> Operation:
        operation_id = op.get("operationId")
        if not operation_id:
            # The generator would invent a name from the path; the project relies on operationIds.
            raise ValueError(f"{method.upper()} {path} has no operationId")
        endpoint = self.python_name(operation_id)
        where = operation_id
        tags = op.get("tags") or ["default"]
        tag_module = str(PythonIdentifier(tags[0], "tag"))

        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in [*item.get("parameters", []), *op.get("parameters", [])]:
            parameter = self.resolve(raw)
            merged[(parameter["in"], parameter["name"])] = parameter
        params: list[Param] = []
        for (location, name), parameter in merged.items():
            if location == "cookie":
                continue
            self._walk(parameter.get("schema"), name, endpoint, f"{where} parameter {name}")
            params.append(Param(name, self.python_name(name), location, bool(parameter.get("required"))))
        params = self._deconflict(params)

        body_class: str | None = None
        body = self.resolve(op["requestBody"]) if "requestBody" in op else None
        if body is not None:
            content = body.get("content") or {}
            for content_type, media in content.items():
                simple = content_type.split(";")[0].strip()
                simple = (self.config.get("content_type_overrides") or {}).get(simple, simple)
                kind = BODY_KINDS.get(simple, "json" if simple.endswith("+json") else None)
                parent = f"{endpoint}_{kind}" if len(content) > 1 else endpoint
                found = self._walk(media.get("schema"), "body", parent, f"{where} requestBody {simple}")
                body_class = body_class or found

        response_class: str | None = None
        responses = op.get("responses") or {}
        for status, raw in responses.items():
            response = self.resolve(raw)
            for content_type, media in (response.get("content") or {}).items():
                schema = self.resolve(media.get("schema") or {})
                found = self._walk(media.get("schema"), f"response_{status}", endpoint, f"{where} response {status}")
                if str(status).startswith("2") and response_class is None:
                    if isinstance(schema, dict) and schema.get("format") == "binary":
                        response_class = "File"
                    elif content_type.split(";")[0].strip().endswith("json"):
                        response_class = found
        return Operation(
            operation_id=operation_id,
            method=method,
            path=path,
            tag_module=tag_module,
            module=endpoint,
            params=tuple(params),
            has_body=body is not None,
            body_required=bool(body and body.get("required")),
            body_class=body_class,
            response_class=response_class,
        )

    def _deconflict(self, params: list[Param]) -> list[Param]:
        """The generator suffixes the location to a parameter name that clashes."""
        counts: dict[str, int] = {}
        for param in params:
            counts[param.python_name] = counts.get(param.python_name, 0) + 1
        result = []
        for param in params:
            if param.python_name in RESERVED_PARAMETER_NAMES or counts[param.python_name] > 1:
                param = Param(
                    param.name,
                    self.python_name(f"{param.python_name}_{param.location}"),
                    param.location,
                    param.required,
                )
            result.append(param)
        return result

    # -- sample payloads -------------------------------------------------------------------

    def sample(self, schema: Any, depth: int = 0) -> Any:
        """A minimal value the spec allows: required properties only, first enum value."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict) or depth > 20:
            return "x"
        schema = self._normalised(schema)
        if "const" in schema:
            return schema["const"]
        enum = [v for v in schema.get("enum") or [] if v is not None]
        if enum:
            return enum[0]
        variants = [*schema.get("anyOf", []), *schema.get("oneOf", [])]
        if variants:
            usable = [v for v in variants if not self.is_nullable(v)] or variants
            return self.sample(usable[0], depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind is None and (schema.get("properties") or schema.get("allOf")):
            kind = "object"
        if kind == "string":
            return b"x" if schema.get("format") == "binary" else "x"
        if kind == "integer":
            return int(schema.get("minimum", 0))
        if kind == "number":
            return float(schema.get("minimum", 0))
        if kind == "boolean":
            return False
        if kind == "array":
            return []
        if kind == "null":
            return None
        if kind == "object":
            properties, required = self.object_properties(schema)
            return {key: self.sample(properties[key], depth + 1) for key in properties if key in required}
        return "x"


# --- looking at a generated package --------------------------------------------------------

_aliases = itertools.count()


@contextlib.contextmanager
def loaded_package(package_root: Path) -> Iterator[types.ModuleType]:
    """Import `package_root/openai_batch_api` under a private name, and forget it afterwards.

    A private name lets a fresh generation in a temporary folder be inspected in the same
    process as the installed package without either shadowing the other.
    """
    package_dir = package_root / PACKAGE
    alias = f"_contract_{PACKAGE}_{next(_aliases)}"
    spec = importlib.util.spec_from_file_location(
        alias, package_dir / "__init__.py", submodule_search_locations=[str(package_dir)]
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"no package at {package_dir}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[alias] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        for name in [n for n in sys.modules if n == alias or n.startswith(f"{alias}.")]:
            del sys.modules[name]


def _import(package: types.ModuleType, dotted: str) -> types.ModuleType | None:
    """The submodule, or None when it (or a parent of it) does not exist.

    A module that exists but fails on an import of its own raises: that is a broken
    package, not a missing name.
    """
    name = f"{package.__name__}.{dotted}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (name == exc.name or name.startswith(f"{exc.name}.")):
            return None
        raise


def annotation_names(annotation: Any) -> set[str]:
    """The type names a (possibly string) annotation mentions: `X | None | Unset` -> {X, None, Unset}."""
    if isinstance(annotation, str):
        names: set[str] = set()
        for node in ast.walk(ast.parse(annotation, mode="eval")):
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, ast.Constant) and node.value is None:
                names.add("None")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names |= annotation_names(node.value)
        return names
    if annotation is None or annotation is type(None):
        return {"None"}
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    names = set()
    if origin is not None and origin not in (typing.Union, types.UnionType):
        names |= annotation_names(origin)
    for arg in args:
        names |= annotation_names(arg)
    if not args and hasattr(annotation, "__name__"):
        names.add(annotation.__name__)
    return names


def show(annotation: Any) -> str:
    """An annotation without module paths (which carry the private alias)."""
    if isinstance(annotation, type):
        return annotation.__name__
    return re.sub(r"\b(?:\w+\.)+(\w+)", r"\1", str(annotation))


def check_operation(package: types.ModuleType, op: Operation) -> list[str]:
    module = _import(package, f"api.{op.tag_module}.{op.module}")
    if module is None:
        return [f"{op.label}: module {op.module_file} is missing"]
    problems: list[str] = []
    expected = {p.python_name: p for p in op.params}
    for fn_name in FUNCTIONS:
        fn = getattr(module, fn_name, None)
        if not callable(fn):
            problems.append(f"{op.label}: {op.module_file} has no function {fn_name}()")
            continue
        if fn_name.startswith("asyncio") != inspect.iscoroutinefunction(fn):
            problems.append(f"{op.label}: {fn_name}() should {'' if fn_name.startswith('asyncio') else 'not '}be async")
        signature = inspect.signature(fn)
        parameters = signature.parameters
        where = f"{op.label}: {fn_name}()"
        if "client" not in parameters:
            problems.append(f"{where} takes no `client`")
        for python_name, param in expected.items():
            got = parameters.get(python_name)
            if got is None:
                problems.append(f"{where} has no parameter `{python_name}` for {param.location} parameter {param.name}")
            elif param.required and got.default is not inspect.Parameter.empty:
                problems.append(
                    f"{where}: `{python_name}` has a default, but {param.location} parameter {param.name} is required"
                )
            elif not param.required and got.default is inspect.Parameter.empty:
                problems.append(
                    f"{where}: `{python_name}` has no default, but {param.location} parameter {param.name} is optional"
                )
        body = parameters.get("body")
        if op.has_body and body is None:
            problems.append(f"{where} has no `body`, but the operation has a requestBody")
        elif not op.has_body and body is not None:
            problems.append(f"{where} takes a `body` the spec does not define")
        elif body is not None:
            if op.body_required != (body.default is inspect.Parameter.empty):
                problems.append(f"{where}: `body` required-ness differs from requestBody.required={op.body_required}")
            if op.body_class and op.body_class not in annotation_names(body.annotation):
                problems.append(f"{where}: `body` is {show(body.annotation)}, expected {op.body_class}")
        extra = set(parameters) - set(expected) - {"client", "body"}
        for name in sorted(extra):
            problems.append(f"{where} takes `{name}`, a parameter the spec does not define")
        if op.response_class and op.response_class not in annotation_names(signature.return_annotation):
            problems.append(
                f"{where} returns {show(signature.return_annotation)}, expected {op.response_class} for 2xx"
            )
    return problems


def check_model(package: types.ModuleType, model: Model, contract: Contract) -> list[str]:
    models = _import(package, "models")
    cls = getattr(models, model.class_name, None) if models else None
    if cls is None:
        return [f"{model.label}: class {model.class_name} is missing from {PACKAGE}.models"]
    if not (isinstance(cls, type) and attrs.has(cls)):
        return [f"{model.label}: {PACKAGE}.models.{model.class_name} is not an attrs class"]
    problems: list[str] = []
    expected_module = f"{package.__name__}.models.{model.module_name}"
    if cls.__module__ != expected_module:
        problems.append(
            f"{model.label}: defined in {cls.__module__.split('.', 1)[-1]}, expected models/{model.module_name}.py"
        )
    fields = {f.name: f for f in attrs.fields(cls)}
    for prop in model.props:
        f = fields.get(prop.python_name)
        where = f"{model.label}: property {prop.name}"
        if f is None:
            problems.append(f"{where} (attribute `{prop.python_name}`) is missing")
            continue
        names = annotation_names(f.type)
        has_default = f.default is not attrs.NOTHING
        if prop.required and (has_default or "Unset" in names):
            problems.append(f"{where} is required by the spec, but `{prop.python_name}: {f.type}` is optional")
        if not prop.required and not (has_default and "Unset" in names):
            problems.append(f"{where} is optional in the spec, but `{prop.python_name}: {f.type}` is required")
        if prop.nullable and "None" not in names:
            problems.append(f"{where} is nullable in the spec, but `{prop.python_name}: {f.type}` does not accept None")
        if not prop.nullable and "None" in names:
            problems.append(f"{where} is not nullable in the spec, but `{prop.python_name}: {f.type}` accepts None")
    known = {p.python_name for p in model.props} | {"additional_properties"}
    for name in sorted(set(fields) - known):
        problems.append(f"{model.label}: attribute `{name}` has no property in the spec")
    if model.additional is False and "additional_properties" in fields:
        problems.append(f"{model.label}: keeps additional_properties, but the spec sets additionalProperties: false")
    if model.additional is not False and "additional_properties" not in fields:
        problems.append(f"{model.label}: drops unknown fields (no additional_properties), but the spec allows them")
    if problems:
        return problems
    return _round_trips(cls, model, contract)


def _round_trips(cls: Any, model: Model, contract: Contract) -> list[str]:
    """from_dict accepts the spec's minimal payload, null where the spec allows it, and unknown keys."""
    base = contract.sample(model.schema)
    try:
        cls.from_dict(copy.deepcopy(base))
    except Exception as exc:
        return [f"{model.label}: from_dict rejects a minimal valid payload {base!r}: {exc!r}"]
    problems: list[str] = []
    for prop in model.props:
        if not prop.nullable:
            continue
        payload = {**copy.deepcopy(base), prop.name: None}
        try:
            obj = cls.from_dict(payload)
            value = getattr(obj, prop.python_name)
            dumped = obj.to_dict().get(prop.name, "<absent>")
        except Exception as exc:
            problems.append(f"{model.label}: property {prop.name}: from_dict/to_dict fails on null: {exc!r}")
            continue
        if value is not None or dumped is not None:
            problems.append(f"{model.label}: property {prop.name}: null came back as {value!r} / to_dict {dumped!r}")
    if model.additional is not False:
        extra = "x" if model.additional is True else contract.sample(model.additional)
        try:
            obj = cls.from_dict({**copy.deepcopy(base), EXTRA_KEY: copy.deepcopy(extra)})
            kept = obj.additional_properties.get(EXTRA_KEY, "<absent>")
        except Exception as exc:
            problems.append(f"{model.label}: from_dict fails on an unknown key: {exc!r}")
        else:
            if isinstance(extra, (str, int, float, bool)) and kept != extra:
                problems.append(f"{model.label}: an unknown key came back as {kept!r}, not {extra!r}")
    return problems


def check_extras(package_root: Path, contract: Contract, package: types.ModuleType) -> list[str]:
    """What the package has and the spec does not: drift in the other direction."""
    problems: list[str] = []
    expected_modules = {(op.tag_module, op.module) for op in contract.operations.values()}
    api_dir = package_root / PACKAGE / "api"
    for module_file in sorted(api_dir.glob("*/*.py")):
        key = (module_file.parent.name, module_file.stem)
        if module_file.stem != "__init__" and key not in expected_modules:
            problems.append(
                f"{PACKAGE}/api/{key[0]}/{key[1]}.py: an operation module for which the spec has no operationId"
            )
    models = _import(package, "models")
    for name in getattr(models, "__all__", ()):
        obj = getattr(models, name, None)
        if isinstance(obj, type) and attrs.has(obj) and name not in contract.models:
            problems.append(f"{PACKAGE}.models.{name}: a model class for which the spec has no schema")
    return problems


def check_manifest(package_root: Path, spec_path: Path, config_path: Path) -> list[str]:
    path = package_root / MANIFEST
    if not path.exists():
        return [f"{path.name}: missing from {package_root}"]
    manifest = json.loads(path.read_text(encoding="utf-8"))
    expected = {
        "generator": "openapi-python-client",
        "generator_version": version("openapi-python-client"),
        "ruff_version": version("ruff"),
        "openapi.yaml_sha256": sha256(spec_path),
        "generator-config.yaml_sha256": sha256(config_path),
    }
    return [
        f"{MANIFEST}: {key} is {manifest.get(key)!r}, expected {value!r}"
        for key, value in expected.items()
        if manifest.get(key) != value
    ]


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node


def _imported_modules(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    return [node.module] if node.module and node.level == 0 else []


def _is_in(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


def check_direction(package_root: Path) -> list[str]:
    """The generated package never imports the hand-written one."""
    problems = []
    for path in sorted((package_root / PACKAGE).rglob("*.py")):
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            for module in _imported_modules(node):
                if _is_in(module, HAND_WRITTEN_PACKAGE):
                    problems.append(f"{path.relative_to(package_root)}:{node.lineno}: imports {module}")
    return problems


class _RuntimeImports(ast.NodeVisitor):
    """Imports that run when the module is imported: not inside functions or `if TYPE_CHECKING`."""

    def __init__(self) -> None:
        self.found: list[ast.Import | ast.ImportFrom] = []

    def visit_Import(self, node: ast.Import) -> None:
        self.found.append(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self.found.append(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        return None

    def visit_If(self, node: ast.If) -> None:
        test = ast.unparse(node.test)
        if test in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)


def hand_written_imports(
    hand_written_dir: Path, *, runtime_only: bool = False
) -> list[tuple[Path, ast.Import | ast.ImportFrom]]:
    """Every import of the generated package in the hand-written one, as (file, node)."""
    found = []
    for path in sorted(hand_written_dir.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        if runtime_only:
            visitor = _RuntimeImports()
            visitor.visit(tree)
            nodes: list[ast.Import | ast.ImportFrom] = visitor.found
        else:
            nodes = list(_imports(tree))
        found += [(path, n) for n in nodes if any(_is_in(m, PACKAGE) for m in _imported_modules(n))]
    return found


def check_hand_written_imports(hand_written_dir: Path, package_root: Path, *, runtime_only: bool = False) -> list[str]:
    """Every `from openai_batch_api... import X` / `import openai_batch_api...` resolves in the package."""
    imports = hand_written_imports(hand_written_dir, runtime_only=runtime_only)
    if not imports:
        return []
    problems = []
    with loaded_package(package_root) as package:

        def module(dotted: str) -> types.ModuleType | None:
            rest = dotted.removeprefix(PACKAGE).lstrip(".")
            return _import(package, rest) if rest else package

        for path, node in imports:
            where = f"{path.relative_to(hand_written_dir.parent)}:{node.lineno}: `{ast.unparse(node)}`"
            if isinstance(node, ast.Import):
                problems += [
                    f"{where}: no module {a.name}" for a in node.names if _is_in(a.name, PACKAGE) and not module(a.name)
                ]
                continue
            assert node.module is not None
            target = module(node.module)
            if target is None:
                problems.append(f"{where}: no module {node.module}")
                continue
            for alias in node.names:
                if alias.name == "*" or hasattr(target, alias.name):
                    continue
                if module(f"{node.module}.{alias.name}") is None:
                    problems.append(f"{where}: {node.module} has no {alias.name}")
    return problems


def check_public_names(package_root: Path) -> list[str]:
    """No public model named after the generator's union plumbing (`…Type0`)."""
    with loaded_package(package_root) as package:
        models = _import(package, "models")
        names = getattr(models, "__all__", ())
    return [
        f"{PACKAGE}.models.{n}: a public name with a generator suffix; add a class_override"
        for n in names
        if re.search(r"Type\d", n)
    ]


def check_generated_package(
    spec_path: Path = SPEC, package_root: Path = GENERATED, config_path: Path = CONFIG
) -> list[str]:
    """Every difference between what `spec_path` calls for and the package in `package_root`."""
    contract = Contract.from_files(spec_path, config_path)
    problems = list(contract.duplicates)
    problems += check_manifest(package_root, spec_path, config_path)
    problems += check_direction(package_root)
    try:
        with loaded_package(package_root) as package:
            for op in contract.operations.values():
                problems += check_operation(package, op)
            for model in contract.models.values():
                problems += check_model(package, model, contract)
            problems += check_extras(package_root, contract, package)
    except ImportError as exc:
        problems.append(f"{package_root / PACKAGE}: does not import: {exc!r}")
    return problems
