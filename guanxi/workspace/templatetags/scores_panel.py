"""{% scores_panel %}: the 360 page's scores panel, rendered by Jinja2 from the context
workspace.scores.scores_context made (jinja2/workspace/_scores_panel.html). In Django's
template language the panel cost ~0.9 ms of CPU a page, a tenth of the 360 page's."""

from django import template

from guanxi.fast_templates import csrf_input, render_fragment

register = template.Library()

NAMES = (
    "customer",
    "scores",
    "loyalty_chosen",
    "may_set_loyalty",
    "may_mark_lost",
    "loyalty_form",
    "lost_form",
    "win_back_form",
)


@register.simple_tag(takes_context=True)
def scores_panel(context) -> str:
    values = {name: context.get(name) for name in NAMES}
    values["csrf_input"] = csrf_input(context)
    return render_fragment("workspace/_scores_panel.html", values)
