"""Body language to read on a visit (seed 000, 身体语言): the signals a rep can tick on the visit
form, each with what it usually means. Stored on the interaction as a list of keys."""

from django.utils.translation import gettext_lazy as _

# key -> (the signal, what it usually means)
SIGNALS = {
    "feet_turned_away": (
        _("Feet turned away from you"),
        _("A strong sign they want to leave: end the conversation gracefully."),
    ),
    "knees_toward": (
        _("Knees turned toward you"),
        _("The barrier between you is gone: open to the conversation."),
    ),
    "ankles_open": (_("Ankles open"), _("Comfortable and at ease.")),
    "ankles_locked": (
        _("Ankles suddenly locked"),
        _("Uneasy or feeling insecure."),
    ),
    "rubbing_thighs": (
        _("Rubbing the thighs"),
        _("Calming themselves down under stress (often hidden under the table)."),
    ),
    "touching_neck": (
        _("Touching the neck while speaking"),
        _("Not quite confident, or releasing stress."),
    ),
    "hands_behind_head": (
        _("Hands behind the head"),
        _("Strong confidence and a sense of dominance."),
    ),
    "dominant_arms": (
        _("Arms spread, taking space"),
        _("Confidence and a wish to dominate."),
    ),
    "steepled_fingers": (
        _("Steepled fingers (fingertips touching)"),
        _("The most confident gesture of all."),
    ),
}


def check_signals(value) -> list[str]:
    """The keys as a list without repeats, in the order above; ValueError for anything else."""
    if value in (None, ""):
        return []
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ValueError(_("Choose body-language signals from the list."))
    unknown = [v for v in value if v not in SIGNALS]
    if unknown:
        raise ValueError(
            _("Unknown body-language signals: %(names)s.") % {"names": ", ".join(map(str, unknown))}
        )
    return [key for key in SIGNALS if key in value]


def described(keys) -> list[dict]:
    """[{"key", "signal", "meaning"}] for stored keys (unknown ones are skipped)."""
    return [
        {"key": k, "signal": SIGNALS[k][0], "meaning": SIGNALS[k][1]}
        for k in keys or []
        if k in SIGNALS
    ]
