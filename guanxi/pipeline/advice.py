"""What the textbook says to a rep: how to approach each interpersonal style (人际风格, seed 000)
and what each type of objection (客户异议) usually means."""

from django.utils.translation import gettext_lazy as _

# Contact.Style value -> (how they are, how to approach them)
STYLE_APPROACH = {
    "thinker": (
        _("Task-oriented: controlled, precise, orderly, analytical, asks many questions."),
        _(
            "Come prepared with facts, figures and documents; be exact and patient with their "
            "questions; give them time to analyse and put the proposal in writing."
        ),
    ),
    "cooperator": (
        _(
            "Relationship-oriented: relaxed, patient, a good listener, warm and supportive; "
            "but indecisive, finds it hard to say no, dislikes being rushed."
        ),
        _(
            "Build trust first and take your time; show personal interest and reassurance; "
            "help them decide with clear, low-risk steps and guarantees, without pressure."
        ),
    ),
    "extrovert": (
        _("Relationship-oriented: open, quick to conclude, forceful, energetic, interactive."),
        _(
            "Be lively and open; talk about their ideas and the big picture, share success "
            "stories of others; keep details short and confirm agreements in writing."
        ),
    ),
    "authoritarian": (
        _(
            "Task-oriented: responsible, proactive, independent, confident, results-driven; "
            "but impatient, domineering, cold, pushy."
        ),
        _(
            "Be brief and businesslike; lead with results and the bottom line; offer options "
            "and let them decide; do not waste their time or argue over small points."
        ),
    ),
}

# ObjectionKind value -> what it means (seed 000, 客户异议的几个类型)
OBJECTION_MEANING = {
    "need": _("The customer thinks they do not need the product (“we already have one”)."),
    "financial": _("The customer thinks they cannot afford it."),
    "authority": _("The person you talk to says they may not decide the purchase."),
    "price": _("The customer finds the price too high."),
    "product": _("The customer doubts the product's quality, features or fit."),
    "salesperson": _("The customer objects to the salesperson or the company."),
}


def style_advice(style: str) -> dict | None:
    """{"traits", "approach"} for a Contact.Style value, or None when unknown."""
    if style not in STYLE_APPROACH:
        return None
    traits, approach = STYLE_APPROACH[style]
    return {"traits": traits, "approach": approach}
