"""Names in the order Chinese readers look them up: by pinyin (陈 褚 冯 韩 蒋 李 …), not
by code point (冯 刘 吴 周 孙 张 朱 李 …), which reads as no order at all.

PostgreSQL's ICU collation does it in the query, so lists keep a fixed number of queries
and no dictionary of readings is loaded into every worker. SQLite, the zero-setup
default, has no Chinese collation and keeps code-point order.
"""

from django.db import connection
from django.db.models import F
from django.db.models.functions import Collate

PINYIN = "zh-x-icu"  # ships with PostgreSQL built with ICU (Debian's, the official images)


def by_pinyin(field: str):
    """An order_by() term for a name column."""
    if connection.vendor == "postgresql":
        return Collate(F(field), PINYIN)
    return F(field)
