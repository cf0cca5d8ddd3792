"""Loading the demo company: teams, demo logins, and the generated customers and history.

Demo users exist only when this runs (`guanxi demo`); their password is "demo".
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from guanxi.accounts.models import DataScope, Department, Role
from guanxi.accounts.services import create_department, create_user
from guanxi.activities.services import generate_personal_reminders
from guanxi.customers.models import Customer

from .coding import load_coding_example
from .generator import DemoGenerator, Staff, wipe
from .pipeline import seed_pipeline
from .pools import seed_pools
from .service import seed_voice

PASSWORD = "demo"  # noqa: S105 — the documented demo login, created only by `guanxi demo`
ROOT = "茗香茶业总部"
# (username, display name, team, role, data scope, reports to, may view sensitive)
USERS = [
    ("manager", "王经理", None, Role.MANAGER, DataScope.ALL, None, True),
    ("lead1", "李组长", "华东销售组", Role.REP, DataScope.SUBORDINATES, "manager", False),
    ("rep1", "张伟", "华东销售组", Role.REP, DataScope.SELF, "lead1", False),
    ("rep3", "陈静", "华东销售组", Role.REP, DataScope.SELF, "lead1", False),
    ("rep2", "刘芳", "华南销售组", Role.REP, DataScope.SELF, "manager", False),
    ("rep4", "黄磊", "华南销售组", Role.REP, DataScope.SELF, "manager", False),
    ("rep5", "赵敏", "华北销售组", Role.REP, DataScope.SELF, "manager", False),
    ("rep6", "周杰", "华北销售组", Role.REP, DataScope.SELF, "manager", False),
    ("viewer", "吴观察", "华东销售组", Role.READ_ONLY, DataScope.DEPARTMENT, None, False),
]
TEAMS = ["华东销售组", "华南销售组", "华北销售组"]


def _department(name: str, parent=None) -> Department:
    found = Department.objects.filter(name=name, parent=parent).first()
    return found or create_department(name, parent=parent)


@transaction.atomic
def ensure_staff() -> Staff:
    """Three teams under a head office and the demo logins; existing ones are left alone."""
    root = _department(ROOT)
    teams = {name: _department(name, root) for name in TEAMS}
    users = get_user_model().objects
    hashed = None  # hashing is deliberately slow: hash the shared demo password once
    made = {}
    for username, display, team, role, scope, boss, sensitive in USERS:
        user = users.filter(username=username).first()
        if user is None:
            user = create_user(
                username,
                None,
                display_name=display,
                department=teams[team] if team else root,
                manager=made.get(boss),
                role=role,
                data_scope=scope,
                can_view_sensitive=sensitive,
            )
            hashed = hashed or make_password(PASSWORD)
            user.password = hashed
            user.save(update_fields=["password"])
        made[username] = user
    reps = {
        team: [
            (made[u].pk, teams[team].pk)
            for u, _d, t, role, _s, _b, _v in USERS
            if t == team and role == Role.REP
        ]
        for team in TEAMS
    }
    return Staff(reps_by_team=reps, manager_id=made["manager"].pk)


def load_demo(size: int, seed: int, *, reset: bool = False, progress=None, today=None):
    """Create the demo company unless one is there; returns the counts written (or None)."""
    staff = ensure_staff()
    with transaction.atomic():
        if reset:
            wipe()
        elif Customer.objects.exists():
            return None
        generator = DemoGenerator(size, seed, staff, today=today)
        counts = generator.run(progress)
        # Birthday and anniversary reminders for the coming week, as the nightly job makes them.
        counts["reminders"] = generate_personal_reminders(generator.today)
        counts["opportunities"] = seed_pipeline(seed, generator.today, staff.manager_id)
        # A finished example of grounded-theory coding, shared with every demo login.
        manager = get_user_model().objects.get(pk=staff.manager_id)
        counts["coded fragments"] = load_coding_example(manager)
        from .contracts import seed_contracts

        counts["contracts"] = seed_contracts(staff.manager_id, generator.today, seed)
        # A satisfaction survey answered over the year and complaint cases, most checked back.
        counts.update(seed_voice(staff.manager_id, generator.today, seed))
    # Two public pools (公海) with the unowned customers in them; the first rules run returns
    # the long-neglected ones and reminds owners, as the nightly job would.
    counts.update(seed_pools(staff))
    return counts
