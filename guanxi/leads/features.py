"""The traits a lead shares with a customer, as one-hot features of the look-alike model, and
their names in words for the reasons shown with a score.

A feature is "trait=value" (value 1): source, category, kind, province, city, whether a company
(work unit) is given, and keywords of the title or position (decision makers, buyers, ...).
"""

from django.utils.translation import gettext as _

from guanxi.customers.models import CustomerCategory, CustomerKind, CustomerSource

#: Title keywords, grouped by what they say about the person: (group, words).
TITLE_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "executive",
        ("总经理", "董事", "老板", "总裁", "ceo", "owner", "founder", "创始人", "president"),
    ),
    ("manager", ("经理", "主管", "总监", "manager", "director", "head", "负责人")),
    ("purchasing", ("采购", "purchas", "buyer", "procure")),
    ("technical", ("工程师", "技术", "engineer", "cto", "it")),
)


def title_groups(title: str) -> list[str]:
    """The keyword groups a title or position falls in (lowercased substring match)."""
    text = (title or "").lower()
    found = []
    for group, words in TITLE_KEYWORDS:
        if any(_word_in(word, text) for word in words):
            found.append(group)
    return found


def _word_in(word: str, text: str) -> bool:
    if word.isascii() and len(word) <= 3:  # "it", "cto": whole words only
        return word in text.replace("/", " ").replace(",", " ").split()
    return word in text


def traits(
    *, source="", category="", kind="", province="", city="", company="", title=""
) -> dict[str, int]:
    """The one-hot features of one record: {"source=referral": 1, ...}."""
    features = {}
    for name, value in (
        ("source", source),
        ("category", category),
        ("kind", kind),
        ("province", (province or "").strip()),
        ("city", (city or "").strip()),
    ):
        if value:
            features[f"{name}={value}"] = 1
    features["company=" + ("yes" if (company or "").strip() else "no")] = 1
    for group in title_groups(title):
        features[f"title={group}"] = 1
    return features


def lead_traits(lead) -> dict[str, int]:
    return traits(
        source=lead.source,
        category=lead.category,
        kind=lead.kind,
        province=lead.province,
        city=lead.city,
        company=lead.company,
        title=lead.title,
    )


def _choice_label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def describe(feature: str) -> str:
    """A feature in words, in the active language: "Source: Referral"."""
    name, _sep, value = feature.partition("=")
    if name == "source":
        return _("Source: %(value)s") % {"value": _choice_label(CustomerSource, value)}
    if name == "category":
        return _("Category: %(value)s") % {"value": _choice_label(CustomerCategory, value)}
    if name == "kind":
        return _("Kind: %(value)s") % {"value": _choice_label(CustomerKind, value)}
    if name == "province":
        return _("Province: %(value)s") % {"value": value}
    if name == "city":
        return _("City: %(value)s") % {"value": value}
    if name == "company":
        return _("Has a company") if value == "yes" else _("No company given")
    if name == "title":
        groups = {
            "executive": _("Title: owner or executive"),
            "manager": _("Title: manager"),
            "purchasing": _("Title: purchasing"),
            "technical": _("Title: technical"),
        }
        return str(groups.get(value, value))
    return feature
