"""The production static storage (otop_portal.staticfiles): whitenoise's hashed files,
each name's URL made once (issue #19), as whitenoise would make it."""

from __future__ import annotations

import json
from unittest import mock

import pytest

from otop_portal.staticfiles import StaticFilesStorage


@pytest.fixture
def storage(tmp_path):
    (tmp_path / "staticfiles.json").write_text(
        json.dumps(
            {
                "version": "1.1",
                "paths": {"css/portal.css": "css/portal.0123abcd.css"},
                "hash": "x",
            }
        )
    )
    return StaticFilesStorage(location=tmp_path, base_url="/static/")


def test_it_gives_the_hashed_url_once_made(storage):
    assert storage.url("css/portal.css") == "/static/css/portal.0123abcd.css"

    with mock.patch(
        "whitenoise.storage.CompressedManifestStaticFilesStorage.url", return_value="/elsewhere"
    ) as made:
        assert storage.url("css/portal.css") == "/static/css/portal.0123abcd.css"
    assert made.call_count == 0


def test_a_name_missing_from_the_manifest_is_refused_every_time(storage):
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")


def test_collectstatic_forgets_the_urls(storage):
    storage.url("css/portal.css")
    with mock.patch(
        "whitenoise.storage.CompressedManifestStaticFilesStorage.post_process",
        return_value=iter(()),
    ):
        list(storage.post_process({}))
    assert storage._urls == {}
