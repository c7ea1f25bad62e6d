"""Phayao's demo: the round 2564-2, a registry whose base equals the seed, targets, users.

The demo's registry is the sample registry (products/demo_data/registry.xlsx) for
districts 5604 and 5607, so that their officers can upload the sample survey and report
kept beside it, and generated rows for Phayao's seven other districts. `registry_rows`
generates a deterministic registry for any districts with exact base figures; the
country-sized generator (products.demo.scale) uses it for all 928. `demo_load` puts the demo
in the database through the same services as the commands (setup_round,
import_registry, the targets service, add_user) and is idempotent: a second run changes
nothing and says so.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from districts.models import District, Province, Subdistrict, User
from districts.scoping import Role
from otop_portal.workflow import be_date
from products.models import ProductStatus, RegistrySnapshot, Target
from products.registry_workbook import RegistryRow, registry_read
from products.services.registry import registry_import
from products.services.rounds import round_setup
from products.services.targets import target_set
from products.vocab import EntrepreneurType, ProductType

#: The English plural follows the new products (the demo registry always has many rows).
MSG_DEMO_REGISTRY = ngettext_lazy(
    "นำเข้าทะเบียนสาธิต %(rows)s แถว (ผลิตภัณฑ์ใหม่ %(new)s เปลี่ยน %(updated)s)",
    "นำเข้าทะเบียนสาธิต %(rows)s แถว (ผลิตภัณฑ์ใหม่ %(new)s เปลี่ยน %(updated)s)",
    "new",
)

# The seed's table (docs/forms.md, attachment 1): base entrepreneurs, base products and
# the official target of each of Phayao's districts.
PHAYAO = "56"
SEED_TABLE: dict[str, tuple[int, int, int]] = {
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
DEMO_ROUND = "2564-2"
DEMO_AS_OF = dt.date(2021, 4, 1)  # 1 เมษายน 2564, the seed's footnote
DEMO_SEED = 2564
DEMO_SOURCE = "demo: demo_data/registry.xlsx (5604, 5607) + registry_rows(seed=2564)"
#: The sample workbooks (demo_data/README.md says where they come from).
DEMO_DATA = Path(__file__).resolve().parent.parent / "demo_data"
DEMO_REGISTRY = DEMO_DATA / "registry.xlsx"
#: The districts whose registry is the sample's: its base figures are the seed's (65
#: entrepreneurs and 93 products in 5607, 42 and 94 in 5604), and demo_data holds their
#: filled survey and report.
SAMPLE_DISTRICTS = ("5604", "5607")
#: The deadlines of the province's letter for round 2564-2 (load_demo --as-in-letter):
#: the survey by 25 May 2564, the report by 20 September 2564.
LETTER_DEADLINES = (dt.date(2021, 5, 25), dt.date(2021, 9, 20))
#: By default the demo's deadlines are set this far after the day it is loaded, so that
#: its countdowns and "on time" marks read as those of a round in progress.
DEMO_SURVEY_DUE_IN = dt.timedelta(weeks=2)
DEMO_REPORT_DUE_IN = dt.timedelta(weeks=8)
DEMO_TARGET_REASON = "หนังสือจังหวัดพะเยา พฤษภาคม 2564 (สิ่งที่ส่งมาด้วย 1)"
# A demo password, printed by load_demo. Never use the demo on a server people reach.
DEMO_PASSWORD = "otop-demo-2564"

VILLAGES = [
    "ดอนแก้ว",
    "ร่องห้า",
    "ป่าคา",
    "สันติสุข",
    "ห้วยหม้อ",
    "ศรีบุญเรือง",
    "หนองเล็ง",
    "ปางงุ้น",
    "ใหม่พัฒนา",
    "ต้นผึ้ง",
    "สบสา",
    "ห้วยบง",
    "บ่อเบี้ย",
    "แม่พริก",
    "ร้องขุ่ม",
    "ป่าตึง",
    "น้ำจำ",
    "ทุ่งมอก",
    "ดงอินตา",
    "หัวขัว",
    "แม่ปูนหลวง",
    "นาเจริญ",
]
GROUP_PREFIXES = [
    "กลุ่มแม่บ้าน",
    "วิสาหกิจชุมชน",
    "กลุ่มทอผ้า",
    "กลุ่มจักสาน",
    "กลุ่มสมุนไพร",
    "กลุ่มเกษตรกร",
    "กลุ่มอาชีพ",
]
MEN = ["สมชาย", "บุญมา", "ประสิทธิ์", "สมบัติ", "อินทร", "คำปัน", "จันทร์แก้ว", "สุรพล", "วิชัย"]
WOMEN = ["บัวคำ", "ศรีนวล", "จันทร์เพ็ญ", "มาลัย", "สุภาพ", "คำแสน", "ดวงใจ", "พิมพ์ใจ", "อำไพ"]
SURNAMES = [
    "ใจดี",
    "แก้วมูล",
    "ปัญญาวงศ์",
    "ศรีวิชัย",
    "คำมา",
    "อินต๊ะ",
    "ทาแก้ว",
    "ชัยมงคล",
    "สุวรรณ",
    "บุญเรือง",
    "ธรรมวงศ์",
    "ไชยลังกา",
    "กันทะวงศ์",
    "เขื่อนแก้ว",
]
SME_FORMS = ["บริษัท %s จำกัด", "ห้างหุ้นส่วนจำกัด %s"]
SME_SUFFIXES = ["ฟู้ดส์", "เฮิร์บ", "คราฟท์", "โปรดักส์", "แฮนด์เมด", "ออร์แกนิค", "ฟาร์ม"]
PRODUCTS: dict[int, list[str]] = {
    ProductType.FOOD: [
        "น้ำพริกตาแดง",
        "น้ำพริกหนุ่ม",
        "ข้าวแต๋นน้ำแตงโม",
        "แหนมหมู",
        "ไส้อั่ว",
        "กล้วยตาก",
        "ข้าวกล้องหอมมะลิ",
        "ปลาส้ม",
        "หมูยอ",
        "ถั่วเน่าแผ่น",
        "ข้าวเกรียบฟักทอง",
        "มะขามแช่อิ่ม",
        "น้ำผึ้งดอกลำไย",
        "ลำไยอบแห้ง",
        "ขนมจีนเส้นแห้ง",
    ],
    ProductType.DRINK: [
        "ชาใบหม่อน",
        "กาแฟคั่วบด",
        "น้ำมะเม่า",
        "ชาดอกคำฝอย",
        "น้ำลำไยสกัด",
        "ไวน์มะเม่า",
        "น้ำกระเจี๊ยบ",
        "ชาอัสสัม",
        "ชาเขียวใบหม่อน",
    ],
    ProductType.CLOTH: [
        "ผ้าทอไทลื้อ",
        "ผ้าซิ่นตีนจก",
        "เสื้อม่อฮ่อม",
        "ผ้าฝ้ายทอมือ",
        "ผ้าพันคอย้อมคราม",
        "ย่ามผ้าฝ้าย",
        "ผ้าห่มนวม",
        "เสื้อผ้าฝ้ายปักมือ",
        "กางเกงเอวจีบ",
    ],
    ProductType.HOUSEWARE: [
        "เครื่องจักสานไม้ไผ่",
        "ตะกร้าผักตบชวา",
        "กระเป๋าผักตบชวา",
        "โคมไฟกระดาษสา",
        "เครื่องปั้นดินเผา",
        "ไม้กวาดดอกหญ้า",
        "พวงกุญแจผ้าทอ",
        "แจกันไม้ไผ่",
        "ตุ๊กตาผ้า",
    ],
    ProductType.HERB: [
        "ยาหม่องไพล",
        "ลูกประคบสมุนไพร",
        "สบู่สมุนไพร",
        "น้ำมันนวดไพล",
        "แชมพูมะกรูด",
        "ยาดมสมุนไพร",
        "ครีมขมิ้นชัน",
        "เทียนหอมตะไคร้",
    ],
}
# Roughly the mix of the sample registry: food and drink lead.
PRODUCT_WEIGHTS = {
    ProductType.FOOD: 30,
    ProductType.DRINK: 18,
    ProductType.CLOTH: 20,
    ProductType.HOUSEWARE: 19,
    ProductType.HERB: 13,
}
ENTREPRENEUR_WEIGHTS = {
    EntrepreneurType.COMMUNITY_GROUP: 45,
    EntrepreneurType.SINGLE_OWNER: 30,
    EntrepreneurType.SME: 25,
}
MAX_PRODUCTS_PER_ENTREPRENEUR = 8


@dataclass
class DistrictPlan:
    """What to generate for one district: its places and its exact base figures."""

    code: str
    name: str
    province_name: str
    subdistricts: list[tuple[str, str]]  # (DOPA code, name)
    entrepreneurs: int
    products: int
    #: Rows outside the base (cancelled, or registered after the window). None: about
    #: 3% of the products, at least 3, so that the base rule shows.
    extras: int | None = None


def district_plans(figures: dict[str, tuple[int, int]]) -> list[DistrictPlan]:
    """Plans for districts given {code: (entrepreneurs, products)}, with their real
    subdistricts from the database (two queries)."""
    districts = {
        d.code: d
        for d in District.objects.filter(code__in=list(figures)).select_related("province")
    }
    subdistricts: dict[str, list[tuple[str, str]]] = {}
    for code, name, district in Subdistrict.objects.filter(
        district_id__in=list(figures)
    ).values_list("code", "name_th", "district_id"):
        subdistricts.setdefault(district, []).append((code, name))
    return [
        DistrictPlan(
            code=code,
            name=districts[code].name_th,
            province_name=districts[code].province.name_th,
            subdistricts=subdistricts[code],
            entrepreneurs=e,
            products=p,
        )
        for code, (e, p) in sorted(figures.items())
    ]


def _choice(rng: random.Random, weights: dict) -> int:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class _Namer:
    rng: random.Random
    district_name: str
    used: set[str] = field(default_factory=set)

    def entrepreneur(self, kind: int) -> str:
        rng = self.rng
        if kind == EntrepreneurType.SINGLE_OWNER:
            if rng.random() < 0.5:
                base = f"นาย{rng.choice(MEN)} {rng.choice(SURNAMES)}"
            else:
                base = f"{rng.choice(['นาง', 'นางสาว'])}{rng.choice(WOMEN)} {rng.choice(SURNAMES)}"
        elif kind == EntrepreneurType.SME:
            base = rng.choice(SME_FORMS) % f"{self.district_name}{rng.choice(SME_SUFFIXES)}"
        else:
            base = f"{rng.choice(GROUP_PREFIXES)}บ้าน{rng.choice(VILLAGES)}"
        name, n = base, 1
        while name in self.used:
            n += 1
            name = f"{base} {n}"
        self.used.add(name)
        return name


def _product_name(rng: random.Random, kind: int, taken: set[str]) -> str:
    base = rng.choice(PRODUCTS[kind])
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base} สูตร {n}"
    taken.add(name)
    return name


def registry_rows(
    plans: Iterable[DistrictPlan],
    *,
    seed: int = DEMO_SEED,
    window: tuple[int, int] = (2557, 2563),
) -> Iterator[RegistryRow]:
    """Generate clean registry rows whose base (active, registered inside `window`) has
    exactly each plan's entrepreneurs and products.

    Deterministic: the same plans and seed give the same rows, and each district's rows
    depend only on the seed and the district, so a district generates the same rows
    alone or among the country's. Codes follow the registry's pattern: entrepreneur
    <district><5 digits>, product <entrepreneur>-<2 digits>.
    """
    first, last = window
    for plan in plans:
        if not 0 < plan.entrepreneurs <= plan.products:
            raise ValueError(f"{plan.code}: a base needs 1 <= entrepreneurs <= products")
        if plan.products > plan.entrepreneurs * MAX_PRODUCTS_PER_ENTREPRENEUR:
            raise ValueError(
                f"{plan.code}: too many products for {plan.entrepreneurs} entrepreneurs"
            )
        rng = random.Random(f"{seed}:{plan.code}")
        namer = _Namer(rng, plan.name)
        # Every base entrepreneur has one base product; the rest are spread at random.
        counts = [1] * plan.entrepreneurs
        for _i in range(plan.products - plan.entrepreneurs):
            while True:
                i = rng.randrange(plan.entrepreneurs)
                if counts[i] < MAX_PRODUCTS_PER_ENTREPRENEUR:
                    counts[i] += 1
                    break
        extras = plan.extras if plan.extras is not None else max(3, round(plan.products * 0.03))
        # Outside the base: a cancelled product, a product registered after the window,
        # and a new entrepreneur whose only product was registered after the window.
        extra_kinds = [k % 3 for k in range(extras)]
        owners_extra: dict[int, list[str]] = {}
        for kind in extra_kinds:
            if kind < 2:
                owners_extra.setdefault(rng.randrange(plan.entrepreneurs), []).append(
                    "cancelled" if kind == 0 else "late"
                )
        newcomers = extra_kinds.count(2)

        for i in range(plan.entrepreneurs + newcomers):
            code = f"{plan.code}{i + 1:05d}"
            kind = _choice(rng, ENTREPRENEUR_WEIGHTS)
            sub_code, sub_name = rng.choice(plan.subdistricts)
            owner = dict(
                entrepreneur_code=code,
                entrepreneur_name=namer.entrepreneur(kind),
                entrepreneur_type=int(kind),
                subdistrict_code=sub_code,
                subdistrict_name=sub_name,
                district_code=plan.code,
                district_name=plan.name,
                province_name=plan.province_name,
                house_no=str(rng.randint(1, 350)),
                moo=str(rng.randint(1, 15)),
                phone=f"0{rng.choice('689')}{rng.randint(0, 99_999_999):08d}",
            )
            if i < plan.entrepreneurs:
                products = [("base", rng.randint(first, last)) for _k in range(counts[i])]
                products += [
                    ("cancelled", rng.randint(first, last))
                    if what == "cancelled"
                    else ("late", last + 1)
                    for what in owners_extra.get(i, [])
                ]
            else:
                products = [("late", last + 1)]
            taken: set[str] = set()
            for k, (what, year) in enumerate(products, start=1):
                ptype = _choice(rng, PRODUCT_WEIGHTS)
                yield RegistryRow(
                    **owner,
                    product_code=f"{code}-{k:02d}",
                    product_name=_product_name(rng, ptype, taken),
                    product_type=int(ptype),
                    registered_year=year,
                    status=ProductStatus.CANCELLED if what == "cancelled" else ProductStatus.ACTIVE,
                )


def demo_registry_rows() -> list[RegistryRow]:
    """The demo's registry: the sample registry's rows for SAMPLE_DISTRICTS, and rows
    generated (registry_rows) for Phayao's other districts, in district order."""
    read = registry_read(DEMO_REGISTRY)
    if read.problems:
        raise RuntimeError(f"{DEMO_REGISTRY}: {read.problems[0]}")
    rows = [r for r in read.rows if r.district_code in SAMPLE_DISTRICTS]
    others = {c: v[:2] for c, v in SEED_TABLE.items() if c not in SAMPLE_DISTRICTS}
    rows += registry_rows(district_plans(others))
    rows.sort(key=lambda r: r.district_code)
    return rows


# ---------------------------------------------------------------------------
# Loading the demo
# ---------------------------------------------------------------------------


@dataclass
class DemoLogin:
    username: str
    password: str
    role: str
    area: str


@dataclass
class DemoResult:
    #: What the run did, one line each; empty when nothing changed.
    changes: list[str] = field(default_factory=list)
    logins: list[DemoLogin] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def _demo_users() -> list[tuple[str, str, str | None]]:
    users = [("admin", Role.ADMIN, None), ("phayao", Role.PROVINCE, PHAYAO)]
    users += [(f"officer{code}", Role.OFFICER, code) for code in SEED_TABLE]
    return users


def _demo_user_save(
    user: User | None, username: str, role: str, area: str | None, password_hash: str
) -> User:
    """Create or repair a demo user with the demo password (already hashed)."""
    user = user or User(username=username)
    user.role = role
    user.district = District.objects.get(code=area) if role == Role.OFFICER else None
    user.province = (
        user.district.province
        if user.district
        else Province.objects.get(code=area)
        if role == Role.PROVINCE
        else None
    )
    user.is_staff = user.is_superuser = role == Role.ADMIN
    user.is_active = True
    user.password = password_hash
    user.save()
    return user


def demo_deadlines(
    *, as_in_letter: bool = False, today: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """The demo round's (survey, report) deadlines: the letter's dates, or by default two
    and eight weeks after `today` (the local date unless given)."""
    if as_in_letter:
        return LETTER_DEADLINES
    today = today or timezone.localdate()
    return today + DEMO_SURVEY_DUE_IN, today + DEMO_REPORT_DUE_IN


def demo_load(*, as_in_letter: bool = False, today: dt.date | None = None) -> DemoResult:
    """Put Phayao's demo in the database, changing only what differs from it.

    The round's deadlines are set on every run: two and eight weeks after `today`, or the
    letter's dates with `as_in_letter`. A second run on the same day changes nothing; a
    run on a later day moves the deadlines to that day's two and eight weeks and says so.
    """
    result = DemoResult()
    if not Province.objects.filter(code=PHAYAO).exists():
        raise RuntimeError("The geography is not loaded: run `manage.py migrate` first.")
    with transaction.atomic():
        # Users first: the targets are set by the demo's administrator. All demo users
        # share one hash of the demo password, so a run hashes (or checks) it once
        # instead of once per user: hashing is deliberately slow.
        existing = {
            u.username: u
            for u in User.objects.filter(
                username__in=[name for name, _role, _area in _demo_users()]
            ).select_related("province", "district")
        }
        checked: dict[str, bool] = {}
        shared_hash = None
        for username, role, area in _demo_users():
            user = existing.get(username)
            if user is not None and user.password not in checked:
                checked[user.password] = user.check_password(DEMO_PASSWORD)
            if (
                user is None
                or not checked[user.password]
                or user.role != role
                or (
                    (user.district_id if role == Role.OFFICER else user.province_id)
                    != (area if role != Role.ADMIN else None)
                )
            ):
                if shared_hash is None:
                    shared_hash = next((h for h, ok in checked.items() if ok), None) or (
                        make_password(DEMO_PASSWORD)
                    )
                user = _demo_user_save(user, username, role, area, shared_hash)
                result.changes.append(_("ตั้งผู้ใช้สาธิต %(name)s") % {"name": username})
            area_label = f"{user.area} ({area})" if area else _("ทุกจังหวัด")
            result.logins.append(
                DemoLogin(username, DEMO_PASSWORD, user.get_role_display(), area_label)
            )
        admin = User.objects.get(username="admin")

        survey_due, report_due = demo_deadlines(as_in_letter=as_in_letter, today=today)
        setup = round_setup(code=DEMO_ROUND, survey_deadline=survey_due, report_deadline=report_due)
        if setup.created:
            result.changes.append(_("สร้างรอบ %(code)s") % {"code": DEMO_ROUND})
        if setup.created or setup.changes:
            result.changes.append(
                _("กำหนดส่งแบบสำรวจ %(survey)s กำหนดส่งแบบรายงานผล %(report)s")
                % {"survey": be_date(survey_due), "report": be_date(report_due)}
            )
        round = setup.round

        rows = demo_registry_rows()
        snapshot = (
            RegistrySnapshot.objects.filter(as_of=DEMO_AS_OF, source_name=DEMO_SOURCE)
            .order_by("-id")
            .first()
        )
        check = registry_import(rows=rows, as_of=DEMO_AS_OF, dry_run=True)
        if snapshot is None or check.changed:
            imported = registry_import(
                rows=rows, as_of=DEMO_AS_OF, by=admin, source_name=DEMO_SOURCE
            )
            snapshot = imported.snapshot
            result.changes.append(
                MSG_DEMO_REGISTRY
                % {
                    "rows": imported.row_count,
                    "new": imported.products.new,
                    "updated": imported.products.updated,
                }
            )
        if round_setup(code=DEMO_ROUND, snapshot=snapshot).changes:
            result.changes.append(
                _("รอบ %(code)s ใช้ชุดข้อมูลทะเบียน %(snapshot)s")
                % {"code": DEMO_ROUND, "snapshot": snapshot}
            )

        existing = {
            t.district_id: t
            for t in Target.objects.filter(round=round, district__province_id=PHAYAO)
        }
        districts = {d.code: d for d in District.objects.filter(code__in=list(SEED_TABLE))}
        for code, (_e, _p, official) in SEED_TABLE.items():
            target = existing.get(code)
            if target is None or target.official != official or target.reason != DEMO_TARGET_REASON:
                target_set(
                    round=round,
                    district=districts[code],
                    official=official,
                    reason=DEMO_TARGET_REASON,
                    by=admin,
                )
                result.changes.append(
                    _("ตั้งเป้าหมายทางการของอำเภอ%(name)s = %(n)s")
                    % {"name": districts[code].name_th, "n": official}
                )
    return result
