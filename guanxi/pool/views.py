"""Pool pages (/pool/): the pools a user sees and their customers (claim), the settings for
managers (pools, rules, "Run now"), the transfer page, and the 360 page's pool actions
(release, lock). Thin: scope → form → service → message and redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanxi.accounts.scope import (
    can_write,
    covered_users,
    get_pool_or_404,
    may_manage_pools,
    may_transfer,
    pool_customers,
    require_manage_pools,
    require_transfer,
    transfer_targets,
    transfer_teams,
    visible_customers,
    visible_pools,
)
from guanxi.customers.queries import name_search_q
from guanxi.services_common import StaleEdit
from guanxi.validation import add_service_errors

from . import services, transfers
from .forms import PoolFilterForm, PoolForm, TransferForm
from .models import Pool, PoolRun

PAGE_SIZE = 50
BASIC_FIELDS = services.BASIC_FIELDS


def _back(request, default: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


@login_required
@require_GET
def pool_index(request, pk=None):
    """The pools the user sees (with how many customers wait in each) and one pool's customers,
    filtered, 50 a page, with a Claim button on each."""
    pools = list(visible_pools(request.user, Pool.objects.all()))
    waiting = dict(
        pool_customers(request.user, Pool.objects.all())
        .values_list("pool_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for pool in pools:
        pool.waiting = waiting.get(pool.pk, 0)
    pool = get_pool_or_404(request.user, Pool.objects.all(), pk) if pk else None
    if pool is None and pools:
        pool = pools[0]
    form = PoolFilterForm(request.GET or None)
    rows, page, has_next = [], 1, False
    if pool is not None:
        qs = pool_customers(request.user, Pool.objects.all(), pool)
        if form.is_valid():
            if form.cleaned_data["q"]:
                # name, pinyin or initials, as the customer list (a review's "li" found none)
                qs = qs.filter(name_search_q(form.cleaned_data["q"], external_id=False))
            if form.cleaned_data["level"]:
                qs = qs.filter(level=form.cleaned_data["level"])
            if form.cleaned_data["city"]:
                qs = qs.filter(city=form.cleaned_data["city"].strip())
        try:
            page = max(1, min(int(request.GET.get("page", 1)), 10_000))
        except ValueError:
            page = 1
        start = (page - 1) * PAGE_SIZE
        rows = list(qs.order_by("-id").only(*BASIC_FIELDS)[start : start + PAGE_SIZE + 1])
        has_next = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        readable = set(
            visible_customers(request.user)
            .filter(pk__in=[r.pk for r in rows])
            .values_list("pk", flat=True)
        )
        for row in rows:
            row.readable = row.pk in readable
            # a Claim the rules would refuse is not offered (a review clicked one to be told)
            row.barred_until = services.reclaim_barred_until(pool, row, request.user)
            prev = row.previous_owner
            row.previous_name = prev and (
                getattr(getattr(prev, "profile", None), "display_name", "") or prev.username
            )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "pool/index.html",
        {
            "pools": pools,
            "pool": pool,
            "rows": rows,
            "form": form,
            "page": page,
            "has_next": has_next,
            "query": query.urlencode(),
            "may_manage": may_manage_pools(request.user),
            "may_transfer": may_transfer(request.user),
            "may_claim": can_write(request.user),  # the read-only role claims nothing
        },
    )


@login_required
@require_POST
def claim(request, pk):
    try:
        customer = services.claim_customer(request.user, pk)
    except services.ClaimRefused as exc:
        messages.error(request, str(exc))
        return _back(request, reverse("pool:index"))
    messages.success(request, _("“%(name)s” is now your customer.") % {"name": customer.name})
    return redirect("customers:detail", pk=customer.pk)


@login_required
@require_POST
def release(request, pk):
    try:
        customer = services.release_customer(request.user, pk, pool_id=request.POST.get("pool"))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("customers:detail", pk=pk)
    messages.success(
        request,
        _("“%(name)s” is back in the public pool “%(pool)s”.")
        % {"name": customer.name, "pool": customer.pool.name},
    )
    if visible_customers(request.user).filter(pk=customer.pk).exists():
        return redirect("customers:detail", pk=customer.pk)
    return redirect("pool:index")


@login_required
@require_POST
def lock(request, pk):
    locked = request.POST.get("locked", "1") == "1"
    try:
        services.set_locked(request.user, pk, locked)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Locked: this customer stays yours.")
            if locked
            else _("Unlocked: the pool's rules apply again."),
        )
    return redirect("customers:detail", pk=pk)


@login_required
@require_GET
def pool_settings(request):
    require_manage_pools(request.user)
    pools = Pool.objects.prefetch_related("rules", "departments")
    return render(
        request,
        "pool/settings.html",
        {"pools": pools, "runs": PoolRun.objects.select_related("actor")[:10]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def pool_edit(request, pk=None):
    require_manage_pools(request.user)
    pool = None
    if pk is not None:
        pool = Pool.objects.prefetch_related("rules", "departments").filter(pk=pk).first()
        if pool is None:
            raise Http404
    if request.method == "GET":
        initial = (
            PoolForm.initial_for(pool)
            if pool
            else {
                "exempt_won": True,
                "exempt_locked": True,
                "won_days": 90,
                "reclaim_bar_days": 7,
                "remind_days": 3,
            }
        )
        form = PoolForm(initial=initial)
        return render(request, "pool/edit.html", {"form": form, "pool": pool})
    form = PoolForm(request.POST)
    if form.is_valid():
        try:
            saved = services.save_pool(
                request.user,
                form.data_for_service(),
                pool=pool,
                version=form.cleaned_data.get("version"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleEdit as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Pool “%(name)s” saved.") % {"name": saved.name})
            return redirect("pool:settings")
    return render(request, "pool/edit.html", {"form": form, "pool": pool}, status=400)


@login_required
@require_POST
def run_now(request):
    run = services.run_rules(actor=request.user, trigger=PoolRun.Trigger.MANUAL)
    messages.success(
        request,
        _(
            "Rules applied: %(returned)d customers returned to a pool, %(reminded)d owners "
            "reminded, %(assigned)d customers given a home pool."
        )
        % {"returned": run.returned, "reminded": run.reminded, "assigned": run.assigned},
    )
    return redirect("pool:settings")


def _transfer_form(request, data=None):
    user = request.user
    return TransferForm(
        data,
        initial={"ids": " ".join(request.GET.getlist("ids"))} if data is None else None,
        users=covered_users(user).select_related("profile").order_by("username"),
        targets=transfer_targets(user).select_related("profile").order_by("username"),
        teams=transfer_teams(user).order_by("name"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def transfer(request):
    """客户转移: one customer, a selection, or all of a rep's customers to a rep or a team."""
    require_transfer(request.user)
    if request.method == "GET":
        return render(request, "pool/transfer.html", {"form": _transfer_form(request)})
    form = _transfer_form(request, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            n = transfers.transfer(
                request.user,
                ids=data["ids"],
                from_user_id=data["from_user"].pk if data["from_user"] else None,
                to_user_id=data["to_user"].pk if data["to_user"] else None,
                to_team_id=data["to_team"].pk if data["to_team"] else None,
                move=data["move"],
                keep_read=data["keep_read"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                ngettext("%(n)d customer transferred.", "%(n)d customers transferred.", n)
                % {"n": n},
            )
            return redirect("pool:transfer")
    return render(request, "pool/transfer.html", {"form": form}, status=400)


def customer_panel(user, customer, *, may_manage: bool) -> dict:
    """The 360 page's pool panel: days until return (highlighted under 3), the lock, and the
    owner side's Release and Lock buttons; no query (a customer without a home pool gets one
    at the next rules run, and a Release button then)."""
    days = services.days_until_return(customer)
    return {
        "pool_days": days,
        # the page is a Jinja2 fragment: its plural forms come translated (makemessages reads
        # ngettext from Python only)
        "pool_returns": ngettext(
            "Returns to the public pool in %(n)s day",
            "Returns to the public pool in %(n)s days",
            days or 0,
        )
        % {"n": days or 0},
        "pool_soon": days is not None and days < 3,
        "pool_may_manage": may_manage
        and customer.owner_id is not None
        and customer.merged_into_id is None,
        # the read-only role is shown no Claim button (it would only get a 403)
        "pool_may_claim": customer.owner_id is None and can_write(user),
    }
