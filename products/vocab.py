"""The department's vocabularies and the spellings real files use for them.

docs/forms.md lists the three entrepreneur types and five product types with the
variants seen in use. A reader maps each variant to its type and refuses anything else,
naming the valid choices.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from otop_portal.cells import CellError, clean_text, display


class EntrepreneurType(models.IntegerChoices):
    COMMUNITY_GROUP = 1, _("กลุ่มผู้ผลิตชุมชน")
    SINGLE_OWNER = 2, _("ผู้ผลิตชุมชนที่เป็นเจ้าของรายเดียว")
    SME = 3, _("ผู้ผลิตที่เป็นวิสาหกิจขนาดกลางและขนาดย่อม")


class ProductType(models.IntegerChoices):
    FOOD = 1, _("อาหาร")
    DRINK = 2, _("เครื่องดื่ม")
    CLOTH = 3, _("ผ้าและเครื่องแต่งกาย")
    HOUSEWARE = 4, _("ของใช้ ของตกแต่ง ของที่ระลึก")
    HERB = 5, _("สมุนไพรที่ไม่ใช่อาหาร")


def _key(text: str) -> str:
    return "".join(clean_text(text).replace("/", " ").split()).lower()


# The spellings of each type in the department's files, the department's own label first.
# They are Thai text, never the labels above: those follow the UI's language, while the
# files are Thai for every user.
ENTREPRENEUR_TYPE_SPELLINGS = {
    EntrepreneurType.COMMUNITY_GROUP: [
        "กลุ่มผู้ผลิตชุมชน",
        "ผู้ผลิตชุมชน",
        "วิสาหกิจชุมชน",
        "กลุ่มวิสาหกิจชุมชน",
    ],
    EntrepreneurType.SINGLE_OWNER: [
        "ผู้ผลิตชุมชนที่เป็นเจ้าของรายเดียว",
        "ผู้ผลิตรายเดียวที่เป็นเจ้าของ",
        "เจ้าของรายเดียว",
    ],
    EntrepreneurType.SME: [
        "ผู้ผลิตที่เป็นวิสาหกิจขนาดกลางและขนาดย่อม",
        "ผู้ผลิตที่เป็น SMEs",
        "ผู้ผลิตที่เป็น SME",
        "SMEs",
        "SME",
    ],
}
ENTREPRENEUR_TYPE_VARIANTS = {
    _key(label): value for value, labels in ENTREPRENEUR_TYPE_SPELLINGS.items() for label in labels
}

PRODUCT_TYPE_SPELLINGS = {
    ProductType.FOOD: ["อาหาร"],
    ProductType.DRINK: ["เครื่องดื่ม"],
    ProductType.CLOTH: ["ผ้าและเครื่องแต่งกาย", "ผ้า เครื่องแต่งกาย", "ผ้า/เครื่องแต่งกาย"],
    ProductType.HOUSEWARE: [
        "ของใช้ ของตกแต่ง ของที่ระลึก",
        "ของใช้ ประดับ ตกแต่ง",
        "ของใช้/ของตกแต่ง/ของที่ระลึก",
        "ของใช้ของตกแต่งของที่ระลึก",
        "ของใช้ ประดับ ตกแต่ง ของที่ระลึก",
    ],
    ProductType.HERB: ["สมุนไพรที่ไม่ใช่อาหาร", "สมุนไพรไม่ใช่อาหาร"],
}
PRODUCT_TYPE_VARIANTS = {
    _key(label): value for value, labels in PRODUCT_TYPE_SPELLINGS.items() for label in labels
}

#: The Thai label of each type, as the department's workbooks write it in any UI language.
ENTREPRENEUR_TYPE_TH = {
    int(t): spellings[0] for t, spellings in ENTREPRENEUR_TYPE_SPELLINGS.items()
}
PRODUCT_TYPE_TH = {int(t): spellings[0] for t, spellings in PRODUCT_TYPE_SPELLINGS.items()}

MSG_BAD_ENTREPRENEUR_TYPE = _("“%(value)s” ไม่ใช่ประเภทผู้ประกอบการ ต้องเป็นหนึ่งใน: %(choices)s")
MSG_BAD_PRODUCT_TYPE = _("“%(value)s” ไม่ใช่ประเภทผลิตภัณฑ์ ต้องเป็นหนึ่งใน: %(choices)s")


def parse_entrepreneur_type(value) -> EntrepreneurType:
    found = ENTREPRENEUR_TYPE_VARIANTS.get(_key(display(value)))
    if found is None:
        raise CellError(
            MSG_BAD_ENTREPRENEUR_TYPE
            % {"value": display(value), "choices": ", ".join(ENTREPRENEUR_TYPE_TH.values())},
            value,
        )
    return EntrepreneurType(found)


def parse_product_type(value) -> ProductType:
    found = PRODUCT_TYPE_VARIANTS.get(_key(display(value)))
    if found is None:
        raise CellError(
            MSG_BAD_PRODUCT_TYPE
            % {"value": display(value), "choices": ", ".join(PRODUCT_TYPE_TH.values())},
            value,
        )
    return ProductType(found)
