"""An upload's outcome as the upload pages list it, in Thai and in English."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from otop_portal.workflow import MSG_PREVIEW_EXPIRED_LABEL, UploadOutcome
from surveys.models import SurveyUpload


@pytest.mark.parametrize("language", ["th", "en"])
@pytest.mark.parametrize("outcome", [*UploadOutcome.values, "unknown"])
def test_it_is_the_choices_label(outcome, language):
    upload = SurveyUpload(outcome=outcome, uploaded_at=timezone.now())
    with translation.override(language):
        assert upload.outcome_label == upload.get_outcome_display()


def test_it_reads_in_english_when_the_page_is():
    upload = SurveyUpload(outcome=UploadOutcome.DISCARDED, uploaded_at=timezone.now())
    with translation.override("en"):
        assert upload.outcome_label == "Cancelled"
    with translation.override("th"):
        assert upload.outcome_label == "ยกเลิก"


def test_an_old_preview_is_expired():
    upload = SurveyUpload(
        outcome=UploadOutcome.PREVIEWED, uploaded_at=timezone.now() - dt.timedelta(days=30)
    )
    assert upload.outcome_label == MSG_PREVIEW_EXPIRED_LABEL
