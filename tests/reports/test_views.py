"""The report in the browser: entry, review, upload, download, province list, explain."""

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from otop_portal.dates import be_date
from otop_portal.totals import totals_changed
from reports.models import Report, ReportLine, ReportUpload
from reports.views import LINES_PER_PAGE
from tests.conftest import PASSWORD, make_entrepreneur, make_product
from tests.reports.conftest import data_row, make_line, make_report, report_file

pytestmark = pytest.mark.django_db

R = "2564-2"


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def url(name, *args, district="5607"):
    return reverse(f"reports:{name}", args=[R, district, *args])


def line_post(obj, /, **values):
    prefix = f"l{obj.pk}-"
    data = {f"{prefix}version": obj.version, f"{prefix}month_1": "", f"{prefix}url": ""}
    data.update({f"{prefix}{k}": v for k, v in values.items()})
    return data


def line_values(html: str) -> dict:
    """The values of the page's editable lines, which reports.js fills the form with."""
    found = re.search(r'<script id="line-values" type="application/json">(.*?)</script>', html)
    assert found, "no line-values on the page"
    return json.loads(found.group(1))


def start(client, officer):
    """The officer logged in, with the report started (its lines exist), as the first
    save would start it."""
    from products.selectors import round_get
    from reports.services import report_get_or_start

    report_get_or_start(round=round_get(R), district=officer.district, by=officer)
    return login(client, officer)


def test_the_officer_sees_the_draft_from_the_registry_without_starting_it(
    client, officer, products
):
    response = login(client, officer).get(url("detail"))
    assert response.status_code == 200
    assert not Report.objects.exists() and not ReportLine.objects.exists()
    html = response.content.decode()
    assert "อำเภอยังไม่ได้เริ่มทำแบบรายงานผล" in html
    assert "ผ้าพันคอฝ้าย" in html and "กาแฟดอยหลวง" in html
    assert "เม.ย." in html and "ก.ย." in html
    # The first row (กาแฟดอยหลวง) is open, with its form; the other's opens in place.
    action = reverse("reports:line_start", args=[R, "5607", products[1].pk])
    assert f'action="{action}"' in html
    for field in ("facebook", "url", "month_1", "month_6", "sales_baseline", "note"):
        field_id = f"id_p{products[1].pk}-{field}"
        assert f'for="{field_id}"' in html  # every input has a label
    other = line_values(html)[f"p{products[0].pk}"]
    assert other["action"] == reverse("reports:line_start", args=[R, "5607", products[0].pk])
    assert other["prefix"] == f"p{products[0].pk}"


def test_the_first_save_starts_the_report_credited_to_the_officer(client, officer, products):
    login(client, officer)
    prefix = f"p{products[0].pk}-"
    data = {f"{prefix}version": 0, f"{prefix}month_1": "1200", f"{prefix}url": ""}
    response = client.post(reverse("reports:line_start", args=[R, "5607", products[0].pk]), data)
    assert response.status_code == 302
    report = Report.objects.get(district_id="5607")
    assert report.status == "draft" and report.lines.count() == 2
    first = report.history.earliest("history_date")
    assert first.history_type == "+" and first.history_user == officer
    line = report.lines.get(product=products[0])
    assert line.month_1 == Decimal("1200") and line.answered_by == officer
    html = client.get(url("detail")).content.decode()
    assert re.search(r"บันทึกแล้ว <strong[^>]*>1</strong> จาก <span[^>]*>2</span>", html)
    # The lines are stored now: the forms carry their ids, the open one and the other's.
    first = report.lines.get(product=products[1])
    assert f'for="id_l{first.pk}-month_1"' in html
    assert line_values(html)[str(line.pk)]["prefix"] == f"l{line.pk}"


def test_a_saved_line_answers_with_its_whole_row_and_whether_it_started_the_report(
    client, officer, products
):
    """The page patches the saved line's row from the answer (months, channels, last
    year, when), and draws itself again after the save that started the report."""
    login(client, officer)
    prefix = f"p{products[0].pk}-"
    data = {
        f"{prefix}version": 0,
        f"{prefix}facebook": "on",
        f"{prefix}other_channel": "ตลาดนัด",
        f"{prefix}month_1": "1200",
        f"{prefix}month_4": "12,500.50",
        f"{prefix}sales_baseline": "3000",
        f"{prefix}url": "",
    }
    start_url = reverse("reports:line_start", args=[R, "5607", products[0].pk])
    first = client.post(start_url, data, HTTP_X_REQUESTED_WITH="fetch").json()
    assert first["ok"] and first["started"] is True
    assert first["months"] == ["1,200.00", "0.00", "0.00", "12,500.50", "0.00", "0.00"]
    assert first["total"] == "13,700.50"
    assert first["channels"] == "Facebook ตลาดนัด"
    assert first["baseline"] == "3,000.00"
    saved_at = ReportLine.objects.get(product=products[0]).answered_at
    assert first["saved"] == be_date(saved_at)
    assert str(saved_at.year + 543) in first["saved"]  # a Buddhist-era date
    data[f"{prefix}version"] = first["version"]
    data[f"{prefix}month_2"] = "100"
    second = client.post(start_url, data, HTTP_X_REQUESTED_WITH="fetch").json()
    assert second["ok"] and second["started"] is False
    assert second["months"][1] == "100.00"


def test_a_refused_first_save_shows_the_form_again_with_what_was_typed(client, officer, products):
    login(client, officer)
    prefix = f"p{products[0].pk}-"
    data = {f"{prefix}version": 0, f"{prefix}month_1": "-5", f"{prefix}note": "ลองดู"}
    response = client.post(reverse("reports:line_start", args=[R, "5607", products[0].pk]), data)
    assert response.status_code == 400
    line = ReportLine.objects.get(product=products[0])
    assert line.month_1 == 0
    assert f'name="l{line.pk}-note"' in response.content.decode()
    assert "ลองดู" in response.content.decode()


def test_outsiders_cannot_start_a_report_by_saving(
    client, outsider, other_province_staff, province_staff, products
):
    start_url = reverse("reports:line_start", args=[R, "5607", products[0].pk])
    for user in (outsider, other_province_staff):
        assert login(client, user).post(start_url, {}).status_code == 404
    assert login(client, province_staff).post(start_url, {}).status_code == 403
    assert not Report.objects.exists()


def test_the_page_makes_a_fixed_number_of_queries(
    client, officer, round_2564, django_assert_max_num_queries
):
    e = make_entrepreneur("5607")
    for i in range(30):
        make_product(e, name=f"สินค้า {i}")
    start(client, officer)
    with django_assert_max_num_queries(30):
        client.get(url("detail"))


def test_the_draft_page_makes_a_fixed_number_of_queries(
    client, officer, round_2564, django_assert_max_num_queries
):
    e = make_entrepreneur("5607")
    for i in range(LINES_PER_PAGE + 5):
        make_product(e, name=f"สินค้า {i}")
    login(client, officer)
    with django_assert_max_num_queries(30):
        response = client.get(url("detail"))
    html = response.content.decode()
    # The first page's lines: the first with its form, the others with their values.
    assert len(line_values(html)) == LINES_PER_PAGE
    assert html.count("data-line-fallback") == LINES_PER_PAGE - 1
    assert not Report.objects.exists()


def test_a_product_new_in_the_base_shows_as_a_draft_line_until_saved(client, officer, products):
    start(client, officer)
    report = Report.objects.get()
    newcomer = make_product(products[0].entrepreneur, name="น้ำผึ้งป่า")
    # As the registry import that brings a product does (the page compares the lines
    # with the base the totals count).
    totals_changed(districts=["5607"])
    html = client.get(url("detail")).content.decode()
    assert "น้ำผึ้งป่า" in html and f'id="line-p{newcomer.pk}"' in html
    assert report.lines.count() == 2  # the page wrote nothing
    prefix = f"p{newcomer.pk}-"
    data = {f"{prefix}version": 0, f"{prefix}month_1": "300", f"{prefix}url": ""}
    client.post(reverse("reports:line_start", args=[R, "5607", newcomer.pk]), data)
    assert report.lines.get(product=newcomer).month_1 == Decimal("300")


def test_a_lines_row_shows_its_note_link_channels_and_flags_escaped(
    client, officer, products, round_2564
):
    # The rows are written in Python (reports.templatetags.report_tags, issue #19):
    # what an officer typed is shown as text, and each part of the row is there.
    report = make_report(round_2564, "5607")
    make_line(
        report,
        products[0],
        months=[1500],
        note="<b>ส่ง</b> & รับ",
        url="https://shop.example/p?a=1&b=2",
        facebook=True,
        other_channel="TikTok",
        answered_at="2021-05-01T00:00:00Z",
    )
    make_line(report, products[1], months=[900], answered_at="2021-05-01T00:00:00Z")
    totals_changed(districts=["5607"])
    html = login(client, officer).get(url("detail")).content.decode()
    assert "&lt;b&gt;ส่ง&lt;/b&gt; &amp; รับ" in html and "<b>ส่ง</b>" not in html
    assert 'href="https://shop.example/p?a=1&amp;b=2" rel="noopener noreferrer nofollow"' in html
    assert "<span data-row-channels>Facebook TikTok</span>" in html
    assert "data-row-month>1,500.00</td>" in html
    # The line sold with no channel and no link is flagged on its row.
    second = html[html.index("กาแฟดอยหลวง") :]
    assert '<ul class="flags" data-flags><li class="warning">' in second
    assert "แก้ไข ผ้าพันคอฝ้าย" in html and "แก้ไข กาแฟดอยหลวง" in html


def test_the_filters_find_lines(client, officer, products, round_2564):
    report = make_report(round_2564, "5607")
    make_line(report, products[0], months=[10], answered_at="2021-05-01T00:00:00Z")
    make_line(report, products[1])
    login(client, officer)
    html = client.get(url("detail") + "?show=with_sales").content.decode()
    assert "ผ้าพันคอฝ้าย" in html and "แก้ไข กาแฟดอยหลวง" not in html
    html = client.get(url("detail") + "?show=unanswered").content.decode()
    assert "แก้ไข ผ้าพันคอฝ้าย" not in html and "กาแฟดอยหลวง" in html
    html = client.get(url("detail") + "?q=กาแฟ").content.decode()
    assert "แก้ไข ผ้าพันคอฝ้าย" not in html
    html = client.get(url("detail") + "?type=3").content.decode()
    assert "ไม่พบรายการตามตัวกรองนี้" in html


def test_the_officer_saves_a_line(client, officer, products):
    start(client, officer)
    line = ReportLine.objects.get(product=products[0])
    data = line_post(
        line,
        facebook="on",
        month_1="๑,๒๐๐",
        month_2="-",
        url="https://a.example/x",
        sales_baseline="1000",
    )
    response = client.post(url("line_save", line.pk), data)
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.month_1 == Decimal("1200")
    assert line.facebook is True
    assert line.version == 1
    assert line.answered_by == officer
    assert line.sales_baseline == Decimal("1000")


def test_a_save_from_an_old_page_is_refused(client, officer, colleague, products):
    start(client, officer)
    line = ReportLine.objects.get(product=products[0])
    stale = line_post(line, month_1="100")
    client.post(url("line_save", line.pk), line_post(line, month_1="50"))
    response = client.post(url("line_save", line.pk), stale, HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 400
    assert "ถูกแก้ไขไปแล้ว" in response.json()["message"]
    line.refresh_from_db()
    assert line.month_1 == Decimal("50")


def test_it_saves_through_fetch_and_answers_json(client, officer, products):
    start(client, officer)
    line = ReportLine.objects.get(product=products[0])
    response = client.post(
        url("line_save", line.pk),
        line_post(line, month_1="10", month_2="5"),
        HTTP_X_REQUESTED_WITH="fetch",
    )
    data = response.json()
    assert data["ok"] is True and data["version"] == 1
    assert data["total"] == "15.00"
    assert data["answered"] == 1 and data["lines"] == 2


def test_it_refuses_a_link_that_is_not_http_in_the_form(client, officer, products):
    start(client, officer)
    line = ReportLine.objects.get(product=products[0])
    response = client.post(
        url("line_save", line.pk),
        line_post(line, url="ftp://x.example"),
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert response.status_code == 400
    assert "url" in response.json()["errors"]
    line.refresh_from_db()
    assert line.url == "" and line.version == 0


def test_the_page_shows_a_dash_when_there_is_no_baseline(client, officer, products, round_2564):
    report = make_report(round_2564, "5607")
    make_line(report, products[0], months=[500])
    html = login(client, officer).get(url("detail")).content.decode()
    assert "ไม่มียอดปีก่อน จึงคำนวณการเติบโตไม่ได้" in html
    assert '<div class="value">–</div>' in html


def test_the_workflow_goes_round_through_the_browser(client, officer, province_staff, products):
    start(client, officer)
    line = ReportLine.objects.get(product=products[0])
    client.post(url("line_save", line.pk), line_post(line, month_1="100"))
    # A line with sales needs a channel or a link before submitting.
    client.post(url("submit"))
    assert Report.objects.get().status == "draft"
    line.refresh_from_db()
    client.post(url("line_save", line.pk), line_post(line, month_1="100", line="on"))
    client.post(url("submit"))
    assert Report.objects.get().status == "submitted"
    # Locked while submitted.
    line.refresh_from_db()
    client.post(url("line_save", line.pk), line_post(line, month_1="1"))
    line.refresh_from_db()
    assert line.month_1 == Decimal("100")

    login(client, province_staff)
    response = client.post(url("review"), {"action": "return", "reason": ""})
    assert response.status_code == 400
    assert Report.objects.get().status == "submitted"
    client.post(url("review"), {"action": "return", "reason": "ยอดเดือนเมษายนไม่ตรง"})
    assert Report.objects.get().status == "returned"

    login(client, officer)
    html = client.get(url("detail")).content.decode()
    assert "ยอดเดือนเมษายนไม่ตรง" in html
    client.post(url("submit"))
    login(client, province_staff)
    response = client.post(url("review"), {"action": "approve"})
    assert response.status_code == 302  # to the confirmation, which approves on its POST
    assert client.get(response["Location"]).status_code == 200
    client.post(response["Location"].split("?")[0], {"items": ["report:5607"]})
    report = Report.objects.get()
    assert report.status == "approved"
    html = client.get(url("review")).content.decode()
    for event in ("ส่งแบบรายงานผล", "ส่งคืนให้แก้ไข: ยอดเดือนเมษายนไม่ตรง", "อนุมัติ"):
        assert event in html


def test_province_staff_read_the_report_but_cannot_write(client, officer, province_staff, products):
    start(client, officer)
    line = ReportLine.objects.get(product=products[0])
    login(client, province_staff)
    html = client.get(url("detail")).content.decode()
    assert "ผ้าพันคอฝ้าย" in html
    assert "data-line-form" not in html
    assert client.post(url("line_save", line.pk), line_post(line, month_1="1")).status_code == 403
    assert client.post(url("submit")).status_code == 403
    assert client.get(url("upload")).status_code == 403
    assert client.get(url("review")).status_code == 200


def test_the_officer_cannot_review(client, officer, products):
    start(client, officer)
    assert client.get(url("review")).status_code == 403


def test_province_staff_do_not_start_a_report_by_looking(client, province_staff, products):
    html = login(client, province_staff).get(url("detail")).content.decode()
    assert "อำเภอยังไม่ได้เริ่มทำแบบรายงานผล" in html
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "name,args,method",
    [
        ("detail", (), "get"),
        ("review", (), "get"),
        ("download", (), "get"),
        ("upload", (), "get"),
        ("submit", (), "post"),
        ("exception", (), "post"),
        ("line_save", (1,), "post"),
        ("upload_commit", (1,), "post"),
        ("upload_discard", (1,), "post"),
        ("explain", ("sold_online",), "get"),
    ],
)
def test_it_checks_access(
    client, outsider, other_province_staff, officer, products, name, args, method
):
    start(client, officer)  # the report and its lines exist
    line = ReportLine.objects.first()
    args = tuple(line.pk if a == 1 else a for a in args)
    for user in (outsider, other_province_staff):
        login(client, user)
        response = getattr(client, method)(url(name, *args))
        assert response.status_code == 404, (name, user.username)


def test_it_checks_access_to_the_province_pages(client, other_province_staff, outsider, round_2564):
    for user in (other_province_staff, outsider):
        login(client, user)
        assert client.get(reverse("reports:province", args=[R, "56"])).status_code == 404
        assert client.get(reverse("reports:province_download", args=[R, "56"])).status_code == 404


def test_it_requires_login(client, round_2564):
    response = client.get(url("detail"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "name,args",
    [
        ("submit", ()),
        ("line_save", (1,)),
        ("line_start", (1,)),
        ("upload_commit", (1,)),
        ("upload_discard", (1,)),
        ("exception", ()),
    ],
)
def test_it_requires_post(client, officer, province_staff, products, name, args):
    start(client, officer)
    line = ReportLine.objects.first()
    args = tuple(line.pk if a == 1 else a for a in args)
    user = province_staff if name == "exception" else officer
    login(client, user)
    assert client.get(url(name, *args)).status_code == 405


def test_the_upload_previews_then_commits(client, officer, products, round_2564, tmp_path):
    path = report_file(
        tmp_path / "r.xlsx",
        round_2564,
        [
            data_row(
                "560799001",
                "ผ้าพันคอฝ้าย",
                months=(100, "", "", "", "", ""),
                channels=("1", "", "", "", ""),
            ),
        ],
    )
    login(client, officer)
    with open(path, "rb") as fh:
        response = client.post(url("upload"), {"file": fh})
    assert response.status_code == 200
    html = response.content.decode()
    assert "ตัวอย่างการนำเข้า" in html
    assert "ถือว่าไม่มียอดจำหน่ายในรอบนี้" in html  # the preview says what absent lines become
    upload = ReportUpload.objects.get()
    assert upload.outcome == "previewed" and upload.uploaded_by == officer
    assert not ReportLine.objects.filter(month_1__gt=0).exists()

    response = client.post(url("upload_commit", upload.pk))
    assert response.status_code == 302
    upload.refresh_from_db()
    assert upload.outcome == "committed"
    assert ReportLine.objects.get(product=products[0]).month_1 == Decimal("100")
    # A second commit of the same upload is refused.
    client.post(url("upload_commit", upload.pk))
    assert ReportUpload.objects.get().outcome == "committed"


def test_a_refused_upload_is_kept_and_changes_nothing(
    client, officer, products, round_2564, tmp_path
):
    path = report_file(
        tmp_path / "r.xlsx",
        round_2564,
        [
            data_row("560799001", "ผ้าพันคอฝ้าย", months=(100, "", "", "", "", ""), total=90),
        ],
    )
    login(client, officer)
    with open(path, "rb") as fh:
        response = client.post(url("upload"), {"file": fh})
    assert response.status_code == 400
    assert "ไม่รับไฟล์นี้" in response.content.decode()
    assert ReportUpload.objects.get().outcome == "refused"
    assert not ReportLine.objects.filter(month_1__gt=0).exists()


def test_a_discarded_upload_changes_nothing(client, officer, products, round_2564, tmp_path):
    path = report_file(
        tmp_path / "r.xlsx",
        round_2564,
        [
            data_row("560799001", "ผ้าพันคอฝ้าย", months=(100, "", "", "", "", "")),
        ],
    )
    login(client, officer)
    with open(path, "rb") as fh:
        client.post(url("upload"), {"file": fh})
    upload = ReportUpload.objects.get()
    client.post(url("upload_discard", upload.pk))
    upload.refresh_from_db()
    assert upload.outcome == "discarded"
    assert not ReportLine.objects.filter(month_1__gt=0).exists()


def test_it_downloads_the_workbook(client, officer, products):
    response = login(client, officer).get(url("download"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:2] == b"PK"


def test_the_province_page_lists_its_districts(client, province_staff, products, round_2564):
    report = make_report(round_2564, "5607", status="submitted")
    make_line(report, products[0], months=[10])
    response = login(client, province_staff).get(reverse("reports:province", args=[R, "56"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("เมืองพะเยา") < html.index("แม่ใจ") < html.index("ภูกามยาว")
    assert reverse("reports:review", args=[R, "5607"]) in html
    response = client.get(reverse("reports:province_download", args=[R, "56"]))
    assert response.content[:2] == b"PK"


def test_the_explain_page_lists_the_products_behind_a_figure(client, officer, products, round_2564):
    report = make_report(round_2564, "5607")
    make_line(report, products[0], months=[10])
    make_line(report, products[1], months=[0])
    html = login(client, officer).get(url("explain", "sold_online")).content.decode()
    assert "นับ: อยู่ในฐานและมียอดจำหน่ายรวมในรอบมากกว่า 0" in html
    assert "ไม่นับ: อยู่ในแบบรายงานแต่ไม่มียอดจำหน่ายในรอบ" in html
    assert client.get(url("explain", "nonsense")).status_code == 404
    for which in ("products", "sales_round", "sales_baseline"):
        assert client.get(url("explain", which)).status_code == 200
