"""The dashboard's browser tests never pass unseen: without Chromium they skip on a developer's
machine (naming `make test`, which installs it) and fail under CI=true."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.browser import chromium_path


@pytest.fixture
def no_chromium(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no chromium, no chromium-browser


@pytest.mark.usefixtures("no_chromium")
@pytest.mark.parametrize("ci", ["true", "1"])
def test_a_missing_chromium_fails_under_ci(monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match=r"CI=true and no chromium on PATH .*make test"):
        chromium_path()


@pytest.mark.usefixtures("no_chromium")
def test_a_missing_chromium_skips_off_ci_and_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"no chromium on PATH .*apt-get install chromium"):
        chromium_path()


def test_the_system_chromium_is_found_on_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    browser = tmp_path / "chromium"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert chromium_path() == str(browser)
