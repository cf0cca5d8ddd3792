"""{% detail_body %}: the 360 page's body, rendered by Jinja2 (jinja2/workspace/_detail_body.html)
from the page's context. In Django's template language the body's own nodes and its small
includes (consent, pool panel, sensitive fields) cost ~2.5 ms of CPU a page at 1,000,000
customers, a quarter of the page; the forms stay Django templates (`dtl`)."""

from django import template

from guanxi.customers.templatetags.guanxi_ui import money, profile_html, tel_link
from guanxi.fast_templates import csrf_input, render_fragment
from guanxi.workspace.timeline import items_html

register = template.Library()


@register.simple_tag(takes_context=True)
def detail_body(context) -> str:
    def dtl(name: str, **values) -> str:
        """A Django template rendered in the page's own context, as {% include %} does."""
        included = context.template.engine.get_template(name)
        with context.push(**values):
            return included.render(context)

    values = context.flatten()
    csrf = csrf_input(context)
    values.update(
        csrf_input=csrf,
        dtl=dtl,
        money=money,
        profile_html=profile_html,
        tel_link=tel_link,
        timeline_items=items_html(
            values["timeline"], writable=bool(values.get("writable")), csrf_input=csrf
        ),
    )
    return render_fragment("workspace/_detail_body.html", values)
