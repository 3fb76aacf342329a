"""`make test` on a fresh machine installs the system's Chromium through apt-get (CI runs as root);
a user who cannot install it is told how, and under CI the target fails instead of going on.

The Makefile's `browser` target runs here against stand-ins for `id`, `sudo` and `apt-get` (on a
PATH holding nothing else), so the test installs nothing and needs no network.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.ci_skips import in_ci

ROOT = Path(__file__).resolve().parents[2]


def _tool(directory: Path, name: str, body: str) -> None:
    path = directory / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def run_target(
    tmp_path: Path, *, uid: int, sudo: bool = False, chromium: bool = False, ci: str = ""
) -> tuple[int, str, list[str]]:
    """``make browser`` with a fake system; its exit code, its output, and each apt-get command line."""
    make = shutil.which("make")
    if make is None:
        message = "make is not installed"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    bin_dir, log = tmp_path / "bin", tmp_path / "apt.log"
    bin_dir.mkdir()
    _tool(bin_dir, "id", f'[ "$1" = -u ] && echo {uid}')
    _tool(bin_dir, "apt-get", f'echo "$*" >> {log}')
    if sudo:
        _tool(bin_dir, "sudo", '[ "$1" = -n ] && shift; "$@"')
    if chromium:
        _tool(bin_dir, "chromium", "exit 0")
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path), "CI": ci, "PYTHON_BOOT": "python3"}
    done = subprocess.run(
        [make, "-s", "-C", str(ROOT), "browser"], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    calls = log.read_text().splitlines() if log.exists() else []
    return done.returncode, done.stdout + done.stderr, calls


def test_root_installs_chromium_through_apt_get(tmp_path: Path) -> None:
    code, output, calls = run_target(tmp_path, uid=0, ci="true")
    assert code == 0, output
    assert calls == ["update -qq", "install -y -qq chromium"]


def test_a_user_with_a_passwordless_sudo_installs_it_through_sudo(tmp_path: Path) -> None:
    code, output, calls = run_target(tmp_path, uid=1000, sudo=True)
    assert code == 0, output
    assert calls == ["update -qq", "install -y -qq chromium"]


def test_an_installed_chromium_is_left_alone(tmp_path: Path) -> None:
    code, output, calls = run_target(tmp_path, uid=0, chromium=True)
    assert (code, output, calls) == (0, "", [])


# make exits 2 when a recipe fails.
@pytest.mark.parametrize(("ci", "code"), [("", 0), ("true", 2)])
def test_a_user_who_cannot_install_it_is_told_how_and_ci_stops(tmp_path: Path, ci: str, code: int) -> None:
    got, output, calls = run_target(tmp_path, uid=1000, ci=ci)
    assert got == code and calls == []
    assert "chromium is missing and this user cannot install it (apt-get install chromium)" in output
