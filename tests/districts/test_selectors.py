"""The districts app's reads that the pages share."""


def test_it_keeps_a_districts_subdistricts_and_load_geography_refreshes_them(
    db, django_assert_num_queries
):
    from districts.models import District, Subdistrict
    from districts.selectors import subdistrict_choices
    from districts.services import geography_load

    district = District.objects.get(code="5607")
    first = subdistrict_choices(district)
    assert first[0][0].startswith("5607") and first == sorted(first)
    with django_assert_num_queries(0):  # the pages' filters read it from the cache
        assert subdistrict_choices(district) == first
    Subdistrict.objects.filter(code=first[0][0]).update(name_th="ชื่อชั่วคราว")
    geography_load()  # puts DOPA's names back, and clears what was kept
    assert subdistrict_choices(district) == first
