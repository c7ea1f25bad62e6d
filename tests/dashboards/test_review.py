"""The province's review desk: return with a reason, approve, approve several at once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from districts.scoping import Role
from otop_portal.workflow import Status, submission_submit
from reports.models import Report
from surveys.models import Survey
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def submitted(model, round, code: str):
    """A form of a district without base products (complete as it is), submitted by
    the district's officer through the workflow service."""
    officer = make_user(f"officer{code}{model.__name__}", Role.OFFICER, district=code)
    form = model.objects.create(round=round, district_id=code)
    return submission_submit(submission=form, by=officer)


def desk(round, code="56"):
    return reverse("dashboards:review", args=[round.code, code])


def test_the_desk_lists_the_forms_waiting_for_the_province(client, province_staff, round_2564):
    submitted(Survey, round_2564, "5601")
    submitted(Report, round_2564, "5602")
    Survey.objects.create(round=round_2564, district_id="5603")  # a draft: not waiting
    submitted(Survey, round_2564, "5001")  # another province
    client.force_login(province_staff)
    response = client.get(desk(round_2564))
    assert response.status_code == 200
    assert [i.key for i in response.context["items"]] == ["survey:5601", "report:5602"]
    html = response.content.decode()
    assert 'value="survey:5601"' in html and 'value="report:5602"' in html
    assert reverse("surveys:detail", args=[round_2564.code, "5601"]) in html
    assert reverse("reports:review", args=[round_2564.code, "5602"]) in html


def confirm(round, code="56"):
    return reverse("dashboards:review_approve", args=[round.code, code])


def test_staff_approve_several_forms_at_once(client, province_staff, round_2564):
    one = submitted(Survey, round_2564, "5601")
    two = submitted(Report, round_2564, "5602")
    three = submitted(Survey, round_2564, "5603")
    client.force_login(province_staff)
    # The desk's button leads to the confirmation, which lists the chosen forms.
    response = client.post(
        desk(round_2564),
        {"action": "approve", "items": ["survey:5601", "report:5602"]},
        follow=True,
    )
    assert response.redirect_chain[-1][0].startswith(confirm(round_2564))
    assert [i.key for i in response.context["items"]] == ["survey:5601", "report:5602"]
    assert "ยืนยันอนุมัติ 2 แบบ" in response.content.decode()
    for form in (one, two, three):
        form.refresh_from_db()
        assert form.status == Status.SUBMITTED
    response = client.post(
        confirm(round_2564), {"items": ["survey:5601", "report:5602"]}, follow=True
    )
    assert response.status_code == 200
    assert "อนุมัติแล้ว 2 แบบ" in response.content.decode()
    for form in (one, two, three):
        form.refresh_from_db()
    assert (one.status, two.status, three.status) == (
        Status.APPROVED,
        Status.APPROVED,
        Status.SUBMITTED,
    )
    assert one.reviewed_by == province_staff and one.reviewed_at is not None
    record = one.history.latest()
    assert (record.history_user, record.history_change_reason) == (province_staff, "approved")


def test_staff_return_a_form_with_a_reason_the_officer_then_reads(
    client,
    province_staff,
    officer,
    round_2564,
):
    form = submitted(Survey, round_2564, "5607")
    client.force_login(province_staff)
    response = client.post(
        desk(round_2564),
        {"action": "return", "items": ["survey:5607"], "reason": "ยอดขายปีก่อนไม่ตรงกับทะเบียน"},
    )
    assert response.status_code == 302
    form.refresh_from_db()
    assert form.status == Status.RETURNED
    assert form.return_reason == "ยอดขายปีก่อนไม่ตรงกับทะเบียน"
    record = form.history.latest()
    assert record.history_user == province_staff
    assert record.history_change_reason == "returned: ยอดขายปีก่อนไม่ตรงกับทะเบียน"

    client.force_login(officer)
    page = client.get(reverse("dashboards:district", args=[round_2564.code, "5607"]))
    html = page.content.decode()
    assert "ยอดขายปีก่อนไม่ตรงกับทะเบียน" in html
    event = page.context["d"].history[0]
    assert (event.action, event.who, event.reason) == (
        "returned",
        province_staff,
        "ยอดขายปีก่อนไม่ตรงกับทะเบียน",
    )


def test_staff_return_a_form_with_a_long_reason_kept_whole(
    client,
    province_staff,
    officer,
    round_2564,
):
    """A reason longer than the history's 100-character note (the form takes 2,000):
    PostgreSQL refused the history row, so the return failed with a server error."""
    reason = "ยอดขายปีก่อนของผู้ประกอบการรายที่ 12 ไม่ตรงกับทะเบียน " * 20
    form = submitted(Survey, round_2564, "5607")
    client.force_login(province_staff)
    response = client.post(
        desk(round_2564), {"action": "return", "items": ["survey:5607"], "reason": reason}
    )
    assert response.status_code == 302
    form.refresh_from_db()
    assert form.status == Status.RETURNED
    assert form.return_reason == reason.strip()
    note = form.history.latest().history_change_reason
    assert len(note) <= 100 and note.startswith("returned: ยอดขายปีก่อน") and note.endswith("…")

    client.force_login(officer)
    page = client.get(reverse("dashboards:district", args=[round_2564.code, "5607"]))
    assert page.context["d"].history[0].reason == reason.strip()
    assert reason.strip() in page.content.decode()
    from surveys.selectors import survey_history

    assert survey_history(survey=form)[0].what == f"ส่งคืนให้แก้ไข: {reason.strip()}"


def test_a_return_without_a_reason_is_refused_and_changes_nothing(
    client,
    province_staff,
    round_2564,
):
    form = submitted(Survey, round_2564, "5601")
    client.force_login(province_staff)
    response = client.post(
        desk(round_2564), {"action": "return", "items": ["survey:5601"], "reason": "   "}
    )
    assert response.status_code == 400
    assert "ต้องระบุเหตุผลที่ส่งคืน" in response.content.decode()
    form.refresh_from_db()
    assert form.status == Status.SUBMITTED


def test_approving_nothing_says_to_pick_a_form(client, province_staff, round_2564):
    submitted(Survey, round_2564, "5601")
    client.force_login(province_staff)
    response = client.post(desk(round_2564), {"action": "approve"})
    assert response.status_code == 400
    assert "เลือกแบบที่จะอนุมัติอย่างน้อยหนึ่งรายการ" in response.content.decode()


def test_a_form_no_longer_waiting_cannot_be_approved_again(client, province_staff, round_2564):
    form = submitted(Survey, round_2564, "5601")
    form.status = Status.APPROVED
    form.save()
    client.force_login(province_staff)
    response = client.post(desk(round_2564), {"action": "approve", "items": ["survey:5601"]})
    assert response.status_code == 400
    assert form.history.count() == 3  # created, submitted, approved: nothing more


def test_it_requires_post(client, province_staff, round_2564):
    form = submitted(Survey, round_2564, "5601")
    client.force_login(province_staff)
    response = client.get(desk(round_2564), {"action": "approve", "items": "survey:5601"})
    assert response.status_code == 200
    form.refresh_from_db()
    assert form.status == Status.SUBMITTED
    assert client.put(desk(round_2564)).status_code == 405


def test_it_checks_access(client, other_province_staff, round_2564):
    form = submitted(Survey, round_2564, "5601")
    client.force_login(other_province_staff)
    assert client.get(desk(round_2564)).status_code == 404
    response = client.post(desk(round_2564), {"action": "approve", "items": ["survey:5601"]})
    assert response.status_code == 404
    form.refresh_from_db()
    assert form.status == Status.SUBMITTED


def test_an_officer_sees_only_their_own_waiting_form_and_cannot_act(
    client,
    officer,
    round_2564,
):
    submitted(Survey, round_2564, "5601")
    mine = submitted(Survey, round_2564, "5607")
    client.force_login(officer)
    response = client.get(desk(round_2564))
    assert [i.key for i in response.context["items"]] == ["survey:5607"]
    assert 'name="action"' not in response.content.decode()
    response = client.post(desk(round_2564), {"action": "approve", "items": ["survey:5607"]})
    assert response.status_code == 403
    mine.refresh_from_db()
    assert mine.status == Status.SUBMITTED


def test_an_administrator_reviews_any_province(client, admin, round_2564):
    form = submitted(Report, round_2564, "5001")
    client.force_login(admin)
    client.post(confirm(round_2564, "50"), {"items": ["report:5001"]})
    form.refresh_from_db()
    assert form.status == Status.APPROVED
