"""The layers import one way: generated <- client (resources, poller) <- job layer <- CLI, dashboard.

`client.batches.wait` once imported the job layer, which imports the client back: a circle
through 14 modules. The poller now sits below the resources; these tests fail if any module
below the job layer imports it again, statically or at run time.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import openai_batch

PACKAGE = Path(openai_batch.__file__).parent
# What sits above the client and may import the job layer (tables and ray: built on the job layer).
ABOVE = {"workflow", "tables", "ray", "cli", "dashboard", "demo.py", "server", "__init__.py"}


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = ("." * node.level) + (node.module or "")
            found.append((node.lineno, module))
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


def _below_modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).parts[0] not in ABOVE]


def test_modules_below_the_job_layer_never_import_it() -> None:
    offenders = []
    modules = _below_modules()
    assert any(p.name == "_polling.py" for p in modules) and any(p.parent.name == "resources" for p in modules)
    for path in modules:
        for line, name in _imports(ast.parse(path.read_text(), str(path))):
            if "workflow" in name.split(".") or name.lstrip(".").startswith(("cli", "openai_batch.cli")):
                offenders.append(f"{path.relative_to(PACKAGE)}:{line} imports {name}")
    assert offenders == []


def test_the_static_check_sees_an_import_of_the_job_layer() -> None:
    bad = ast.parse("def f():\n    from ..workflow import wait_for_batch\n")
    assert any("workflow" in name.split(".") for _, name in _imports(bad))


def test_waiting_on_a_batch_loads_no_job_module() -> None:
    code = (
        "import sys, httpx\n"
        "from openai_batch import BatchClient\n"
        "def handler(request):\n"
        "    return httpx.Response(200, json={'id': 'batch_1', 'object': 'batch', 'endpoint': '/v1/chat/completions',"
        " 'input_file_id': 'file-1', 'completion_window': '24h', 'status': 'completed', 'created_at': 1})\n"
        "with BatchClient(api_key='sk-test', base_url='http://127.0.0.1:9/v1', transport=httpx.MockTransport(handler)) as c:\n"
        "    assert c.batches.wait('batch_1', progress=None).status == 'completed'\n"
        "print(sorted(m for m in sys.modules if m.startswith('openai_batch.workflow')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
