"""The admin pages of the surveys app open for an administrator."""

from __future__ import annotations

import pytest
from django.urls import reverse

from districts.models import District
from surveys import services
from surveys.models import SurveyUpload


@pytest.mark.parametrize("model", ["survey", "entrepreneuranswer", "productanswer", "surveyupload"])
def test_the_changelists_open_with_a_province_filter(client, admin, small_registry, model):
    survey = services.survey_get_or_start(
        round=small_registry["round"], district=District.objects.get(code="5607")
    )
    SurveyUpload.objects.create(survey=survey, original_name="x.xlsx", file="x.xlsx")
    client.force_login(admin)
    response = client.get(reverse(f"admin:surveys_{model}_changelist"))
    assert response.status_code == 200
    assert "พะเยา" in response.content.decode()  # the province filter lists Phayao
