"""Queries compiled once (otop_portal.prepared): the same rows as the ORM's queryset,
each call with its own parameters, and a query that cannot be prepared refused when it
is first compiled."""

from __future__ import annotations

import pytest
from django.db import ProgrammingError, connection
from django.test.utils import CaptureQueriesContext

from districts.models import District, Subdistrict, User
from districts.selectors import get_district_for_user
from otop_portal.prepared import PreparedQuery
from products.selectors import round_a_year_earlier, round_get

pytestmark = pytest.mark.django_db

district_by_code = PreparedQuery(
    lambda code: District.objects.select_related("province").filter(code=code), code=str
)
user_by_id = PreparedQuery(
    lambda pk: User.objects.select_related("district__province", "province").filter(pk=pk),
    pk=int,
)
subdistricts_of = PreparedQuery(
    lambda district: (
        Subdistrict.objects.filter(district_id=district).order_by("code").values("code", "name_th")
    ),
    district=str,
)


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


class TestRows:
    def test_it_gives_the_querysets_rows_with_their_related_rows(self, officer, province_staff):
        for user in (officer, province_staff):
            found = user_by_id.get(pk=user.pk)
            expected = User.objects.select_related("district__province", "province").get(pk=user.pk)
            assert _fields(found) == _fields(expected)
            assert found._state.adding is False and found._state.db == "default"
            if user.district_id:
                with CaptureQueriesContext(connection) as queries:
                    assert found.district.province.name_th == expected.district.province.name_th
                assert len(queries) == 0  # read with the user
            else:
                assert User.district.is_cached(found) and found.district is None
            assert found.province_id == expected.province_id

    def test_it_runs_each_call_with_its_own_parameters(self):
        assert district_by_code.get(code="5607").name_th == "แม่ใจ"
        assert district_by_code.get(code="5604").name_th == "เชียงม่วน"
        assert district_by_code.get(code="9999") is None

    def test_it_gives_values_as_dicts_in_the_querysets_order(self):
        expected = list(
            Subdistrict.objects.filter(district_id="5607")
            .order_by("code")
            .values("code", "name_th")
        )
        assert expected
        assert subdistricts_of.all(district="5607") == expected

    def test_it_gives_values_list_as_tuples(self):
        tuples = PreparedQuery(
            lambda district: (
                Subdistrict.objects.filter(district_id=district)
                .order_by("code")
                .values_list("code", "name_th")
            ),
            district=str,
        )
        expected = list(
            Subdistrict.objects.filter(district_id="5607")
            .order_by("code")
            .values_list("code", "name_th")
        )
        assert tuples.all(district="5607") == expected

    def test_it_refuses_flat_values_list(self):
        flat = PreparedQuery(
            lambda district: Subdistrict.objects.filter(district_id=district).values_list(
                "code", flat=True
            ),
            district=str,
        )
        with pytest.raises(ProgrammingError, match="only model rows"):
            flat.all(district="5607")

    def test_it_converts_values_as_the_orm_does(self, officer):
        # Dates and times come back as the ORM gives them (SQLite stores them as text).
        found = user_by_id.get(pk=officer.pk)
        assert found.date_joined == User.objects.get(pk=officer.pk).date_joined
        assert found.date_joined.tzinfo is not None

    def test_it_is_one_query_that_the_query_log_sees(self):
        district_by_code.get(code="5607")  # compiled
        with CaptureQueriesContext(connection) as queries:
            district_by_code.get(code="5604")
        assert len(queries) == 1
        assert "5604" in queries[0]["sql"]

    def test_it_finds_nothing_for_an_integer_no_column_holds(self):
        with CaptureQueriesContext(connection) as queries:
            assert user_by_id.get(pk=2**70) is None
        assert len(queries) == 0

    def test_it_refuses_a_parameter_of_another_type(self):
        with pytest.raises(TypeError):
            user_by_id.get(pk="1")
        with pytest.raises(TypeError):
            district_by_code.get(code="5607", other=1)


class TestRefused:
    def test_it_refuses_a_parameter_the_query_changes(self):
        starting = PreparedQuery(
            lambda prefix: District.objects.filter(name_th__startswith=prefix), prefix=str
        )
        with pytest.raises(ProgrammingError, match="compare it"):
            starting.all(prefix="แม่")

    def test_it_refuses_a_parameter_that_is_not_in_the_query(self):
        unused = PreparedQuery(lambda code: District.objects.all(), code=str)
        with pytest.raises(ProgrammingError, match="not found"):
            unused.all(code="5607")

    def test_it_refuses_a_parameter_type_it_cannot_stand_for(self):
        with pytest.raises(TypeError):
            PreparedQuery(lambda when: District.objects.all(), when=float)


class TestUses:
    """Where the portal reads through prepared queries, it reads what it read before."""

    def test_it_reads_a_round_by_its_code(self, round_2564):
        assert round_get("2564-2") == round_2564
        assert round_get("2564-9") is None
        assert round_get("99999999999999999999999-2") is None
        assert round_a_year_earlier(round=round_2564) is None

    def test_it_gives_an_officer_their_district_without_a_query(self, officer, outsider, client):
        client.force_login(officer)
        user = client.get("/").wsgi_request.user
        with CaptureQueriesContext(connection) as queries:
            district = get_district_for_user(user, "5607")
            assert district.province.code == "56"
        assert len(queries) == 0
        from django.http import Http404

        with pytest.raises(Http404):
            get_district_for_user(user, outsider.district_id)

    def test_it_reads_the_district_of_a_user_read_another_way(self, officer):
        # A user not read by the sign-in backend (a command, a test) still gets it.
        user = User.objects.get(pk=officer.pk)
        assert get_district_for_user(user, "5607").code == "5607"

    def test_it_signs_out_an_expired_session(self, officer, client):
        from django.contrib.sessions.models import Session
        from django.utils import timezone

        client.force_login(officer)
        assert client.get("/").status_code == 200
        Session.objects.update(expire_date=timezone.now())
        response = client.get("/")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: prepared statements of the server's session (CI runs it there)",
)


@needs_postgresql
class TestServerStatements:
    def _statements(self) -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM pg_prepared_statements")
            return {name for (name,) in cursor.fetchall()}

    def test_it_prepares_a_query_once_per_connection(self):
        query = PreparedQuery(
            lambda code: District.objects.filter(code=code).values("name_th"), code=str
        )
        with CaptureQueriesContext(connection) as queries:
            assert query.get(code="5607") == {"name_th": "แม่ใจ"}
            assert query.get(code="5604") == {"name_th": "เชียงม่วน"}
        # The page's queries are the two EXECUTEs, each with the SQL it runs.
        assert len(queries) == 2
        assert all(q["sql"].startswith("EXECUTE otop_prepared_") for q in queries)
        assert 'FROM "districts_district"' in queries[0]["sql"] and "'5604'" in queries[1]["sql"]
        (name,) = {q["sql"].split()[1] for q in queries}
        assert name in self._statements()

    @pytest.mark.django_db(transaction=True, serialized_rollback=True)
    def test_it_prepares_again_on_a_new_connection(self):
        district_by_code.get(code="5607")
        connection.close()
        assert district_by_code.get(code="5604").name_th == "เชียงม่วน"

    def test_it_runs_plain_sql_where_postgresql_cannot_prepare(self, db):
        from django.db import transaction

        # A parameter compared with nothing has no type PostgreSQL can infer.
        typeless = PreparedQuery(
            lambda code: District.objects.filter(code=code).extra(
                where=["%s IS NOT NULL"], params=["x"]
            ),
            code=str,
        )
        with transaction.atomic():
            first = typeless.get(code="5607")
            # The transaction goes on: the failed PREPARE was undone alone.
            assert District.objects.filter(code="5607").exists()
        assert first.name_th == "แม่ใจ"
        with CaptureQueriesContext(connection) as queries:
            assert typeless.get(code="5604").name_th == "เชียงม่วน"
        assert queries[0]["sql"].startswith('SELECT "districts_district"')

    def test_it_runs_plain_sql_when_turned_off(self, settings):
        settings.DB_PREPARED_STATEMENTS = False
        with CaptureQueriesContext(connection) as queries:
            assert district_by_code.get(code="5607").name_th == "แม่ใจ"
        assert queries[0]["sql"].startswith('SELECT "districts_district"')
