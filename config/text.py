"""Text as people paste it from WeChat, a web page or a phone's contacts: characters that
show nothing, and phone numbers written every which way."""

import re
import unicodedata

# Characters that show nothing and make two equal-looking texts differ: the zero-width
# space (WeChat and web pages put them between words), the byte-order mark (a paste from
# a Windows text file), the word joiner, the soft hyphen, and the direction marks a
# phone's contacts wrap a copied number in. "1001" pasted with one was a new person in
# the staff import, and a customer's name with one a second prospect. Not the
# zero-width (non-)joiners: they hold emoji sequences such as 👨‍👩‍👧 together.
INVISIBLE = re.compile(
    "[\u00ad\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def visible(text: str) -> str:
    """`text` without the characters that show nothing."""
    return INVISIBLE.sub("", text)


def plain_code(text: str) -> str:
    """An employee number as typed or pasted: full-width digits (０００２, from a Chinese
    input method) are ASCII, invisible characters and the spaces at its ends go."""
    return visible(unicodedata.normalize("NFKC", text)).strip()


# What people put between a phone number's digits: spaces, dashes of every width,
# brackets round the area code, dots, middle dots (after NFKC, which makes full-width
# （－） ASCII).
_PHONE_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212().·]")
# An extension after a switchboard number: 0571-88886666转123 (or 分机, ext, x, #).
_EXTENSION = re.compile(r"\s*(?:转|分机|ext\.?|x|#)\s*(\d{1,6})$", re.IGNORECASE)
_MOBILE = re.compile(r"1[3-9]\d{9}")


def phone_number(text: str) -> str:
    """A mainland phone number as people write one, as its digits: +86, 0086 and 86 before
    a mobile go; a landline written the international way (+86 571 8888 6666) gets its
    area code's 0 back; an extension is kept after 转 (057188886666转123). What is not a
    phone number comes back tidied only: the caller checks it."""
    text = visible(unicodedata.normalize("NFKC", text)).strip()
    extension = ""
    if match := _EXTENSION.search(text):
        extension, text = match[1], text[: match.start()]
    digits = _PHONE_SEPARATORS.sub("", text)
    national = None
    if digits.startswith("+86"):
        national = digits[3:]
    elif digits.startswith("0086"):
        national = digits[4:]
    elif digits.startswith("86") and _MOBILE.fullmatch(digits[2:]):
        national = digits[2:]
    if national is not None:
        # From abroad a landline is dialled without its area code's 0: +86 571 …
        # (a 400/800 service number has no area code).
        without_zero = national[:1] in tuple("23456789") and not national.startswith(("400", "800"))
        digits = "0" + national if without_zero else national
    return f"{digits}转{extension}" if extension else digits
