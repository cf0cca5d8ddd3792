"""The demo company's quotes, contracts, payment plans and payments (回款), made through the
contracts services (so each is audited and allocated as a user's would be): about 60
contracts in every stage, some instalments overdue, a few open quotes."""

import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from guanxi.contracts import collections, services
from guanxi.customers.models import Customer
from guanxi.sales.models import Product


def seed_contracts(manager_id: int, today, seed: int = 7, n: int = 60) -> int:
    """`n` contracts of customers with an owner, plus n // 6 open quotes; returns how many
    contracts were made."""
    rng = random.Random(seed)
    manager = get_user_model().objects.get(pk=manager_id)
    products = list(Product.objects.filter(active=True)[:20])
    customers = list(
        Customer.objects.filter(owner__isnull=False, erased_at__isnull=True)
        .exclude(owner_id=manager_id)
        .select_related("owner")
        .order_by("id")[: n + n // 6]
    )
    if not products or not customers:
        return 0
    # The services measure validity and payment dates against the real today; the demo's
    # today may be another day (tests pin it).
    real = timezone.localdate()
    made = 0
    for i, customer in enumerate(customers):
        rep = customer.owner
        lines = [
            {
                "product": rng.choice(products),
                "quantity": rng.randint(5, 60),
                "discount": rng.choice(["0", "5", "8", "10", "12.5"]),
            }
            for _ in range(rng.randint(1, 3))
        ]
        start = today - timedelta(days=rng.randint(10, 200))
        quote = services.create_quote(
            rep,
            customer,
            {"quoted_on": start, "valid_until": max(today, real) + timedelta(days=20)},
            lines,
        )
        if i >= n:
            if i % 2:
                services.send_quote(rep, quote)
            continue
        contract = services.accept_quote(rep, quote)
        made += 1
        stage = i % 10
        if stage == 0:
            continue  # a draft
        parts = rng.choice([1, 2, 3, 4])
        share = (contract.amount / parts).quantize(Decimal("0.01"))
        plan = [
            {"due_date": start + timedelta(days=30 * (k + 1)), "amount": share}
            for k in range(parts)
        ]
        plan[-1]["amount"] = contract.amount - share * (parts - 1)
        collections.set_plan(rep, contract, plan)
        # signed a few days after the quote, before the first instalment falls due (activating
        # would otherwise date the signing today, after payments made months ago)
        signed = min(start + timedelta(days=rng.randint(2, 9)), max(today, real))
        services.update_contract(
            rep, contract, {"signed_on": signed, "start_on": signed, "end_on": None}
        )
        services.change_contract_status(rep, contract, "submit")
        if stage == 1:
            continue  # awaiting approval
        if stage == 2:
            services.change_contract_status(manager, contract, "reject", reason="折扣超出权限")
            continue
        services.change_contract_status(manager, contract, "approve")
        services.change_contract_status(rep, contract, "activate")
        for k, inst in enumerate(contract.instalments.all()):
            if inst.due_date > today or (stage in (3, 4) and k == parts - 1):
                break  # stages 3 and 4 leave the last instalment due: overdue or to come
            late = rng.choice([-3, 0, 2, 5, 12, 40])
            paid_on = min(today, real, inst.due_date + timedelta(days=late))
            payment = collections.record_payment(
                rep,
                contract,
                {
                    "received_on": paid_on,
                    "amount": inst.amount,
                    "method": rng.choice(["bank_transfer", "alipay", "wechat_pay", "cheque"]),
                    "reference": f"HK{paid_on:%Y%m%d}{i:03d}{k}",
                },
            )
            if stage != 5 or k == 0:  # stage 5: the latest payment awaits confirmation
                collections.confirm_payment(manager, payment)
    collections.send_reminders(today)
    return made
