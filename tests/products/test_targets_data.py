"""Builders shared by the targets tests (this module holds no tests).

The seed's Phayao table (docs/forms.md, attachment 1) is built directly with bulk
inserts, so the targets tests do not depend on the registry import.
"""

from __future__ import annotations

import datetime as dt

from districts.models import Subdistrict
from products.models import Entrepreneur, Product, ProductStatus, RegistrySnapshot, Round, Target
from products.services.registry import snapshot_hold

# DOPA code: (base entrepreneurs, base products, official target), as in the seed.
PHAYAO = {
    "5601": (215, 528, 60),
    "5602": (67, 131, 15),
    "5603": (160, 282, 33),
    "5604": (42, 94, 12),
    "5605": (91, 196, 23),
    "5606": (58, 126, 14),
    "5607": (65, 93, 11),
    "5608": (111, 269, 30),
    "5609": (104, 154, 17),
}
PHAYAO_NAMES = ["เมืองพะเยา", "จุน", "เชียงคำ", "เชียงม่วน", "ดอกคำใต้", "ปง", "แม่ใจ", "ภูซาง", "ภูกามยาว"]
AS_OF = dt.date(2021, 4, 1)


def build_base(figures: dict[str, tuple[int, int]], *, prefix: str = "T") -> None:
    """Entrepreneurs and products whose base counts are `figures` {code: (ent, prod)}.

    Each district also gets products outside the base (a cancelled one, one
    registered after the window, one no longer in the registry, and an entrepreneur
    with only such a product), which must not count.
    """
    subdistricts = {}
    for s in Subdistrict.objects.filter(district_id__in=list(figures)).order_by("code"):
        subdistricts.setdefault(s.district_id, s)
    entrepreneurs = []
    for code, (n_ent, _) in figures.items():
        for i in range(n_ent + 1):  # the last one has no base product
            entrepreneurs.append(
                Entrepreneur(
                    code=f"{prefix}{code}{i:05d}",
                    name=f"กลุ่ม {code}-{i}",
                    type=1,
                    subdistrict=subdistricts[code],
                    district_id=code,
                )
            )
    Entrepreneur.objects.bulk_create(entrepreneurs, batch_size=500)
    by_district: dict[str, list[Entrepreneur]] = {}
    for e in Entrepreneur.objects.filter(code__startswith=prefix).order_by("code"):
        by_district.setdefault(e.district_id, []).append(e)
    products = []
    for code, (n_ent, n_prod) in figures.items():
        ents = by_district[code]
        base_ents, outsider = ents[:n_ent], ents[n_ent]
        for j in range(n_prod):
            e = base_ents[j % n_ent]
            products.append(
                Product(
                    entrepreneur=e,
                    district_id=code,
                    name=f"ผลิตภัณฑ์ {j}",
                    type=1,
                    registered_year=2557 + j % 7,
                )
            )
        first = base_ents[0]
        products += [
            Product(
                entrepreneur=first,
                district_id=code,
                name="ยกเลิกแล้ว",
                type=1,
                registered_year=2560,
                status=ProductStatus.CANCELLED,
            ),
            Product(
                entrepreneur=first,
                district_id=code,
                name="ลงทะเบียนหลังช่วง",
                type=1,
                registered_year=2564,
            ),
            Product(
                entrepreneur=first,
                district_id=code,
                name="ไม่อยู่ในทะเบียนล่าสุด",
                type=1,
                registered_year=2560,
                registered=False,
            ),
            Product(
                entrepreneur=outsider,
                district_id=code,
                name="ลงทะเบียนก่อนช่วง",
                type=1,
                registered_year=2556,
            ),
        ]
    Product.objects.bulk_create(products, batch_size=500)


def build_phayao(round: Round, *, officials: bool = False, snapshot: bool = True) -> None:
    """The seed's Phayao base, the round's snapshot as of 1 April 2564 and, with
    `officials`, the seed's official targets."""
    build_base({code: (e, p) for code, (e, p, _) in PHAYAO.items()})
    if snapshot:
        round.snapshot = RegistrySnapshot.objects.create(as_of=AS_OF, source_name="test")
        # What the registry holds now is what the snapshot holds (as an import records).
        snapshot_hold(snapshot=round.snapshot)
        round.save(update_fields=["snapshot"])
    if officials:
        Target.objects.bulk_create(
            Target(round=round, district_id=code, official=t, reason="ตามหนังสือจังหวัด")
            for code, (_, _, t) in PHAYAO.items()
        )


def targets_state():
    """Everything a targets import may change, to compare before and after."""
    return (
        sorted(Target.objects.values_list("round_id", "district_id", "official", "reason")),
        Target.history.count(),
    )
