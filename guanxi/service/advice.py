"""The textbook's advice for setting and managing a customer's expectations (seed 004,
客户期望值与忠诚度管理): satisfaction = experience − expectation (CRM 三角定律), so a complaint
is handled by lowering the expectation to what can be given and raising the experience above
it. Which way to lower it depends on the customer's interpersonal style: dominant (主导型):
promise little, deliver more; analytical (分析型): the "true lie" — agree the expectation is
reasonable and give the real reason it cannot be met; social (社交型): meet the main
expectation. For every style: tell the customer the industry's norms.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Advice:
    style: str
    name: str
    summary: str
    steps: tuple


STYLES = {
    "dominant": Advice(
        "dominant",
        _("Dominant"),
        _("Promise little, deliver more."),
        (
            _("Commit only to what you are sure to deliver, with a date you can beat."),
            _("Come back early with the result, and a little more than promised."),
            _("Keep it short and to the point: options and the decision, not the details."),
        ),
    ),
    "analytical": Advice(
        "analytical",
        _("Analytical"),
        _("The “true lie”: agree the expectation is reasonable, then give the real reason."),
        (
            _("Acknowledge that what the customer expects is reasonable."),
            _("Explain with facts and figures why it cannot be met, or not fully."),
            _("Put the agreed solution in writing, with the steps and dates."),
        ),
    ),
    "social": Advice(
        "social",
        _("Social"),
        _("Meet the customer's main expectation."),
        (
            _("Find out which expectation matters most to the customer and meet that one."),
            _("Listen, show that you care about the relationship, and keep in touch personally."),
            _("Let the customer feel heard before you talk about the solution."),
        ),
    ),
}

# For every customer, whatever the style.
COMMON = (
    _("Tell the customer the industry's norms: what they can get, and what nobody can give."),
    _(
        "Then raise the experience above the expectation (sense, feel, think, act, relate), at "
        "a small cost, aimed at the customer's need, in a way they did not expect."
    ),
)

# A contact's interpersonal style (guanxi.customers Contact.Style) -> the seed's three types.
FROM_CONTACT_STYLE = {
    "authoritarian": "dominant",
    "thinker": "analytical",
    "extrovert": "social",
    "cooperator": "social",
}


def style_of(customer) -> str | None:
    """The customer's style: that of its primary contact (else its first contact with one)."""
    for contact in customer.contacts.exclude(interpersonal_style="").order_by(
        "-is_primary", "name"
    )[:1]:
        return FROM_CONTACT_STYLE.get(contact.interpersonal_style)
    return None


def advice_for(customer) -> tuple[Advice | None, list[Advice]]:
    """(the advice for the customer's style or None when unknown, every style's advice)."""
    style = style_of(customer)
    return (STYLES.get(style) if style else None), list(STYLES.values())
