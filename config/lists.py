"""Names listed inside a sentence, joined as the reader's language joins them."""

from collections.abc import Iterable

from django.utils.translation import pgettext


def joined(items: Iterable[str]) -> str:
    """张三、李四 in Chinese, 张三, 李四 in English. QA: a 、 written into the code read
    "林海燕、肖梦琪" on English pages and messages."""
    return pgettext("list separator", ", ").join(items)
