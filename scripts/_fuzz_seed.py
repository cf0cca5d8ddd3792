# A minimal company for the API fuzzer when `guanxi demo` is not available: the demo's users
# (manager, rep1, rep2; password "demo") in two teams, customers, a product and orders.
from decimal import Decimal

from guanxi.accounts.models import DataScope, Role
from guanxi.accounts.services import create_department, create_user
from guanxi.activities.services import add_note, create_task, record_interaction
from guanxi.customers.services import create_contact, create_customer
from guanxi.sales.services import create_order, create_product

root = create_department("总部")
teams = [create_department("华东销售组", parent=root), create_department("华南销售组", parent=root)]
manager = create_user(
    "manager",
    "demo",
    display_name="王经理",
    role=Role.MANAGER,
    data_scope=DataScope.ALL,
    can_view_sensitive=True,
    department=root,
)
reps = [
    create_user(f"rep{n}", "demo", display_name=name, department=team, manager=manager)
    for n, (name, team) in enumerate(zip(["张伟", "刘芳"], teams, strict=True), start=1)
]
product = create_product(None, {"sku": "TEA-001", "name": "龙井茶 250g", "price": Decimal("128")})
for n in range(20):
    owner = reps[n % 2]
    kind = "organisation" if n % 3 == 0 else "person"
    customer = create_customer(
        owner,
        {"name": f"客户{n}", "kind": kind, "mobile": f"1381234{n:04d}", "id_number": "X" * 8},
        owner=owner,
        tags=["重点"] if n % 4 == 0 else None,
    )
    if kind == "organisation":
        create_contact(owner, customer, {"name": f"联系人{n}"})
    record_interaction(
        owner, customer, {"channel": "phone", "direction": "inbound", "subject": "来电"}
    )
    add_note(owner, customer, "备注")
    create_order(owner, customer, {}, [{"product": product, "quantity": 2}])
    from django.utils import timezone

    create_task(owner, {"title": "回访", "due_at": timezone.now()}, customer=customer)
