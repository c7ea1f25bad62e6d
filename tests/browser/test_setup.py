"""The browser tests never pass by not running: without Chromium they skip on a
developer's machine, with the reason, and fail in CI."""

from __future__ import annotations

import pytest

from tests.browser import conftest

pytestmark = pytest.mark.browser


def test_a_missing_browser_fails_the_run_in_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        conftest._unavailable("Chromium not found")


def test_a_missing_browser_skips_with_its_reason_elsewhere(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Chromium not found"):
        conftest._unavailable("Chromium not found")


@pytest.mark.parametrize("value", ["1", "yes", "TRUE"])
def test_any_true_value_of_ci_counts(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    assert conftest._in_ci()
