"""A job's label on its pages is in the reader's language, with Buddhist Era dates.

Job.label is stored when the job starts, in Thai (the apps' job handlers); the pages make it again
from the job's parameters (jobs/templatetags/jobs_tags.py).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from jobs.models import Job, JobKind
from jobs.selectors import job_labels


def make_export(user, **params) -> Job:
    return Job.objects.create(
        user=user,
        kind=JobKind.SURVEY_EXPORT,
        params={"round": "2564-2", **params},
        label="อำเภอแม่ใจ รอบ 2564-2",
    )


def test_it_shows_a_job_started_in_thai_in_english(client, officer):
    job = make_export(officer, district="5607")
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    listed = client.get(reverse("jobs:list")).content.decode()
    shown = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()

    assert "แม่ใจ district, round 2564-2" in listed
    assert "แม่ใจ district, round 2564-2" in shown
    assert "อำเภอแม่ใจ" not in listed + shown


def test_it_shows_the_thai_label_in_thai(client, officer):
    make_export(officer, district="5607")
    client.force_login(officer)

    assert "อำเภอแม่ใจ รอบ 2564-2" in client.get(reverse("jobs:list")).content.decode()


def test_it_labels_provinces_and_the_whole_country(db):
    with translation.override("en"):
        labels = job_labels(
            [
                (1, {"round": "2564-2", "province": "56"}, ""),
                (2, {"round": "2564-2", "country": True}, ""),
            ]
        )
    assert labels == {1: "พะเยา province, round 2564-2", 2: "All provinces, round 2564-2"}


def test_it_writes_a_registry_date_in_the_buddhist_era(db):
    labels = job_labels([(1, {"as_of": "2021-04-01"}, "ทะเบียน ณ วันที่ 2021-04-01")])
    assert labels == {1: "ทะเบียน ณ วันที่ 1 เม.ย. 2564"}
    with translation.override("en"):
        assert job_labels([(1, {"as_of": "2021-04-01"}, "")]) == {1: "Registry as of 1 Apr 2564 BE"}


def test_it_keeps_a_label_it_cannot_make_again(db):
    assert job_labels(
        [(1, {}, "stored"), (2, {"round": "2564-2", "district": "9999"}, "kept"), (3, None, "x")]
    ) == {1: "stored", 2: "kept", 3: "x"}
