"""How a lead's personal data (mobile, e-mail, WeChat) shows to who may not change the lead
(the pool's leads for a rep, another's lead for a reader): enough to recognise, not to call."""

from guanxi.customers.sensitive import MASK, mask_phone


def mask_email(value: str) -> str:
    if not value or "@" not in value:
        return MASK if value else ""
    local, domain = value.split("@", 1)
    return f"{local[:1]}{MASK}@{domain}"


def mask_wechat(value: str) -> str:
    return MASK if value else ""


def shown(lead, revealed: bool) -> dict:
    """{mobile, email, wechat} as the reader may see them."""
    if revealed:
        return {"mobile": lead.mobile, "email": lead.email, "wechat": lead.wechat}
    return {
        # as every masked number reads (139 •••• 5678), not the stored +86139••••5678
        "mobile": mask_phone(lead.mobile),
        "email": mask_email(lead.email),
        "wechat": mask_wechat(lead.wechat),
    }
