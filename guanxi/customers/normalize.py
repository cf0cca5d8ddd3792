"""Normalising what people type: phone numbers, e-mail, credit codes, names to pinyin."""

import functools
import re
import unicodedata

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError as StdnumError

# pypinyin reads some surnames with their common-word reading (曾 → ceng, 单 → dan);
# as a surname, the first character is read like this.
SURNAME_READINGS = {
    "曾": "zeng",
    "单": "shan",
    "仇": "qiu",
    "区": "ou",
    "查": "zha",
    "解": "xie",
    "朴": "piao",
    "乐": "yue",
    "盖": "ge",
    "秘": "bi",
    "种": "chong",
    "繁": "po",
    "员": "yun",
    "尉": "yu",
    "覃": "qin",
    "缪": "miao",
    "翟": "zhai",
    "过": "guo",
}
# Han characters pypinyin reads: the unified ideographs with extension A, 〇 (ling), the
# compatibility ideographs and the supplementary planes' extensions
_CJK = re.compile(r"[\u3007\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_PHONE_CHARS = re.compile(r"^[+\d(][\d\s\-().+]{5,}$")  # (+86)138…


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def looks_like_phone(text: str) -> bool:
    return bool(_PHONE_CHARS.match(text.strip())) and sum(c.isdigit() for c in text) >= 7


def normalize_phone(raw: str) -> str:
    """E.164 (+8613812345678) from any way of writing it; ValidationError if it is no number."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("“%(value)s” is not a phone number."), params={"value": raw}, code="invalid_phone"
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("“%(value)s” is not a valid phone number."),
            params={"value": raw},
            code="invalid_phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_or_none(raw: str) -> str | None:
    """E.164 for search, or None when the text is not a phone number."""
    try:
        return normalize_phone(raw) or None
    except ValidationError:
        return None


def normalize_email(raw: str) -> str:
    return (raw or "").strip().lower()


def normalize_uscc(raw: str) -> str:
    """The 18-character unified social credit code (统一社会信用代码), checksum verified."""
    raw = (raw or "").strip().upper()
    if not raw:
        return ""
    try:
        return stdnum_uscc.validate(raw)
    except StdnumError as exc:
        raise ValidationError(
            _("“%(value)s” is not a valid unified social credit code (check digit or format)."),
            params={"value": raw},
            code="invalid_uscc",
        ) from exc


def fold(text: str) -> str:
    """Full-width forms as plain ones (Ｗａｎｇ → Wang) and Latin letters without their marks
    (Müller → Muller), so that a name is found as it is typed (a hostile review could not
    find either by its own name)."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare)


@functools.lru_cache(maxsize=20_000)  # names repeat: an import of 50,000 reads each once
def _syllables(name: str, style: Style) -> tuple[str, ...]:
    name = fold(name)
    syllables = lazy_pinyin(name, style=style, errors="default", v_to_u=False)
    if name and name[0] in SURNAME_READINGS and syllables:
        reading = SURNAME_READINGS[name[0]]
        syllables[0] = reading if style == Style.NORMAL else reading[0]
    return tuple(syllables)


def name_pinyin(name: str) -> str:
    """张三 → zhangsan; Latin names lowercased without spaces (Li Lei → lilei)."""
    return re.sub(r"[^a-z0-9]", "", "".join(_syllables(name, Style.NORMAL)).lower())[:400]


def name_initials(name: str) -> str:
    """张三 → zs; Li Lei → ll."""
    if has_cjk(name):
        parts = _syllables(name, Style.FIRST_LETTER)
        return re.sub(r"[^a-z0-9]", "", "".join(parts).lower())[:100]
    return "".join(word[0] for word in re.findall(r"[a-z0-9]+", fold(name).lower()))[:100]


WORD_CHARS = 32  # a name word's longest stored start; longer searches compare the rest after


def name_words(name: str) -> str:
    """Where a search may start in the name's pinyin: each syllable's (or Latin word's) place
    to the end, up to WORD_CHARS letters, space-separated. 邓波 → "dengbo bo"; 欧阳娜娜 →
    "ouyangnana yangnana nana na"; Li Lei → "lilei lei".

    Name search matches a typed pinyin at the start of one of these (PostgreSQL reads them
    from a GIN index as a prefix, queries.name_search_q): "dengb" and "bo" find 邓波, "engbo"
    does not. Matching anywhere (a trigram index of name_pinyin) read the long posting lists
    of common trigrams ("eng", "ang") on every search: ~1.3 ms of PostgreSQL's CPU at
    1,000,000 customers; with these words a search's ids take 0.4 ms in all (EXPLAIN ANALYZE
    of bench/bench_web.py's pinyin search, issue 7).
    """
    parts = _syllables(name, Style.NORMAL)  # as name_pinyin: 〇〇 is "ling ling"
    units = [word for part in parts for word in re.findall(r"[a-z0-9]+", part.lower())]
    joined = "".join(units)[:400]  # as name_pinyin
    words, start = [], 0
    for unit in units:
        if start >= len(joined):
            break
        word = joined[start : start + WORD_CHARS]
        if word not in words:
            words.append(word)
        start += len(unit)
    return " ".join(words)


NAME_KEY_FIELDS = ("name_pinyin", "name_initials", "name_words")


def set_name_keys(customer) -> None:
    """Set what name search reads (NAME_KEY_FIELDS) from the customer's name."""
    customer.name_pinyin = name_pinyin(customer.name)
    customer.name_initials = name_initials(customer.name)
    customer.name_words = name_words(customer.name)


def search_key(term: str, umlaut: str = "v") -> str:
    """What a typed Latin search term is compared with: lowercase, no spaces, ü (with any
    tone: ǚ) and u: as v, as pinyin is typed (lv: 吕), or as `umlaut` ("u": Müller, whose
    name keeps a u); tone and other marks off and full-width forms plain, as names are kept
    (fold: zhàobō is zhaobo)."""
    term = unicodedata.normalize("NFKD", term).lower().replace("u:", umlaut)
    term = term.replace("u\u0308", umlaut)  # ü, ǖ, ǘ, ǚ, ǜ decomposed
    term = "".join(c for c in term if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]", "", term)
