"""Stored files (uploads, jobs' results) are never public, DEBUG or not (issue #14,
point 6): no route serves settings.MEDIA_URL, and the views that do serve a stored file
check the user's scope and send it as an attachment that the browser never sniffs."""

from __future__ import annotations

import importlib

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import clear_url_caches, reverse, set_urlconf


def _stored_files(world):
    side = world.mine
    return [side.survey_upload.file, side.report_upload.file, side.job.output_file]


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def urls_under_debug(request, settings):
    """The URL configuration as it is built with DEBUG off, then on."""
    import otop_portal.urls

    settings.DEBUG = request.param
    importlib.reload(otop_portal.urls)
    clear_url_caches()
    set_urlconf(None)
    yield request.param
    settings.DEBUG = False
    importlib.reload(otop_portal.urls)
    clear_url_caches()


# Reloading the URL configuration registers its path converter again.
@pytest.mark.filterwarnings("ignore:Converter 'round' is already registered")
@pytest.mark.parametrize("who", [None, "outsider", "officer", "admin"])
def test_it_serves_no_stored_file_by_its_path(urls_under_debug, matrix, who, request, settings):
    client = Client()
    if who:
        client.force_login(request.getfixturevalue(who))
    for stored in _stored_files(matrix):
        path = "/" + settings.MEDIA_URL.strip("/") + "/" + stored.name
        response = client.get(path)
        assert response.status_code == 404, f"{path} answered {response.status_code}"


def test_a_jobs_file_goes_only_to_its_owner_as_an_attachment(matrix, officer, outsider):
    url = reverse("jobs:download", args=[matrix.mine.job.pk])
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    client = Client()
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(officer)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_uploaded_html_file_is_never_shown_as_a_page(matrix, admin):
    upload = matrix.mine.survey_upload
    upload.original_name = "page.html"
    upload.file.save("page.html", ContentFile(b"<script>alert(1)</script>"), save=True)
    client = Client()
    client.force_login(admin)
    url = reverse("admin:surveys_surveyupload_file", args=[upload.pk, "file"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "name, field",
    [
        ("surveys_surveyupload", "file"),
        ("reports_reportupload", "file"),
        ("jobs_job", "output_file"),
    ],
)
def test_the_admin_links_its_files_to_its_own_download(matrix, admin, officer, name, field):
    side = matrix.mine
    obj = {"surveys_surveyupload": side.survey_upload, "reports_reportupload": side.report_upload}
    obj = obj.get(name, side.job)
    client = Client()
    client.force_login(admin)
    page = client.get(reverse(f"admin:{name}_change", args=[obj.pk])).content.decode()
    download = reverse(f"admin:{name}_file", args=[obj.pk, field])
    assert download in page
    assert "/media/" not in page
    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == b"PK"
    # Not for a district officer, nor for anyone who is not logged in.
    for user in (officer, None):
        other = Client()
        if user:
            other.force_login(user)
        refused = other.get(download)
        assert refused.status_code == 302 and "login" in refused["Location"]
    assert client.get(reverse(f"admin:{name}_file", args=[obj.pk, "summary"])).status_code == 404
