"""The survey's preview says what would block submitting (issue #14): the base products
still unanswered once the file is imported; submitting right after the commit is
refused for exactly those."""

from __future__ import annotations

import pytest

from otop_portal.workflow import WorkflowError
from surveys import services
from surveys.models import MSG_UNANSWERED, Survey, SurveyUpload
from tests.conftest import make_product
from tests.surveys.test_upload_flow import filled, form_file, url


def blockers_section(html: str) -> str:
    start = html.index('id="submit-blockers"')
    return html[start : html.index("</section>", start)]


@pytest.fixture
def logged_in(client, officer):
    client.force_login(officer)
    return client


def test_the_preview_lists_the_products_left_unanswered_and_submit_refuses_them(
    logged_in, officer, small_registry
):
    # The form was downloaded before the registry gained two products.
    file = form_file(small_registry["round"], edit=filled)
    late = [
        make_product(small_registry["a"], name="ผ้าซิ่นตีนจก"),
        make_product(small_registry["b"], name="น้ำพริกตาแดง"),
    ]
    response = logged_in.post(url("upload"), {"file": file})
    assert response.status_code == 200
    section = blockers_section(response.content.decode())
    for product in late:
        assert product.code in section and product.name in section
    assert "ผ้าทอไทลื้อ" not in section  # answered by the file
    record = SurveyUpload.objects.get()
    assert record.summary["unanswered"] == 2
    assert sorted(p["code"] for p in record.summary["unanswered_products"]) == sorted(
        p.code for p in late
    )

    logged_in.post(url("upload_confirm", upload_id=record.pk))
    survey = Survey.objects.get()
    with pytest.raises(WorkflowError) as refused:
        services.survey_submit(survey=survey, by=officer)
    assert str(refused.value.message) == str(MSG_UNANSWERED % {"count": 2})
    assert set(survey.unanswered_products().values_list("code", flat=True)) == {
        p.code for p in late
    }


def test_a_file_that_answers_every_product_has_no_blockers(logged_in, small_registry):
    response = logged_in.post(
        url("upload"), {"file": form_file(small_registry["round"], edit=filled)}
    )
    assert 'id="submit-blockers"' not in response.content.decode()
    assert SurveyUpload.objects.get().summary["unanswered"] == 0
