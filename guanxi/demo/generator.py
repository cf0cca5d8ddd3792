"""Writing the demo company: customers, two years of orders, interactions, tasks and notes.

The company itself (who the customers are, when they buy) is drawn in guanxi.demo.sampling;
this module turns the draws into table rows. Customers are generated in fixed-size chunks from
a random generator seeded with (seed, chunk number), so the output is the same for a given seed
and day at any size, and memory stays bounded at a million customers. Rows go straight to the
database through bulk.BulkWriter.
"""

from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from django.utils import timezone

from guanxi.activities.models import Interaction, Note, Task
from guanxi.customers.models import Contact, Customer, Tag
from guanxi.privacy.models import Consent
from guanxi.sales.models import Order, OrderLine, Product
from guanxi.sales.services import order_number

from . import data
from .bulk import BulkWriter, Table, constraints_deferred_to_the_end, truncate
from .sampling import (  # noqa: F401  (mobile_prefixes, mobile_for, uscc_for: re-exported)
    YEARS,
    Company,
    Staff,
    mobile_for,
    mobile_prefixes,
    pinyin_of,
    uscc_for,
)

CHUNK = 5000
FAST_LOAD_FROM = 20_000  # customers; below this, dropping and rebuilding indexes costs more
# Customers marked lost, as a share of everyone, picked among those with no order this long.
LOST_SHARE = 0.025
LAPSED_DAYS = 180
# Reasons reps pick (LostReason codes), roughly as often as the textbook ranks them.
LOST_REASONS = [
    ("competitor", 5),
    ("price", 4),
    ("service", 3),
    ("product", 2),
    ("changed_needs", 2),
    ("low_switching_cost", 2),
    ("own_circumstances", 2),
    ("trying_new", 1),
    ("weak_trust", 1),
    ("company_turmoil", 1),
]


def _cents(value: int) -> str:
    return f"{value // 100}.{value % 100:02d}"


class DemoGenerator:
    def __init__(self, size: int, seed: int, staff: Staff, *, today: date | None = None):
        self.size = size
        self.seed = seed
        self.staff = staff
        self.today = today or timezone.localdate()
        # History ends at the start of today (shop time): no order lies in the future.
        self.end = datetime.combine(
            self.today, time(0, 0), tzinfo=timezone.get_current_timezone()
        ).timestamp()
        self.start = self.end - YEARS * 365.25 * 86400
        self.writer = BulkWriter()
        self.company = Company(staff, self.start, self.end)
        self.triples, self.surnames = self.company.triples, self.company.surnames

    # Fixed tables ------------------------------------------------------------------------

    def setup_catalogue(self) -> None:
        """Products and tags (small: through the ORM), and the id ranges to write into."""
        for sku, name, category, price, features, advantages, benefits in data.PRODUCTS:
            Product.objects.get_or_create(
                sku=sku,
                defaults={
                    "name": name,
                    "category": category,
                    "price": price,
                    "features": features,
                    "advantages": advantages,
                    "benefits": benefits,
                },
            )
        products = {p.sku: p for p in Product.objects.filter(sku__in=[p[0] for p in data.PRODUCTS])}
        self.person_products = [products[s] for s in data.PERSON_SKUS]
        self.org_products = [products[s] for s in data.ORG_SKUS]
        self.tag_ids = [Tag.objects.get_or_create(name=t)[0].pk for t in data.TAGS]
        self.customer_base = self.writer.next_id(Customer)
        self.order_base = self.writer.next_id(Order)
        self.orders_made = 0

    # The whole run ------------------------------------------------------------------------

    def run(self, progress=None) -> dict[str, int]:
        """Write the company; call inside a transaction (the load is all or nothing)."""
        self.setup_catalogue()
        counts: dict[str, int] = {}
        loaded = [Customer, Customer.tags.through, Contact, Order, OrderLine, Interaction]
        loaded += [Task, Note, Consent]
        with constraints_deferred_to_the_end(loaded if self.size >= FAST_LOAD_FROM else []):
            for chunk, first in enumerate(range(0, self.size, CHUNK)):
                n = min(CHUNK, self.size - first)
                for name, count in self.chunk(chunk, first, n).items():
                    counts[name] = counts.get(name, 0) + count
                if progress:
                    progress(n)
        self.writer.reset_sequences([Customer, Order])
        return counts

    def chunk(self, chunk: int, first: int, n: int) -> dict[str, int]:
        rng = np.random.default_rng([self.seed, chunk])
        people = self.company.people(rng, first, n, self.customer_base)
        purchases = self.company.purchases(rng, people, n)
        written = {
            "customers": self._write_customers(rng, people, purchases),
            "contacts": self._write_contacts(rng, people),
            "tags": self._write_tags(rng, people),
        }
        written.update(self._write_orders(rng, people, purchases))
        written["interactions"] = self._write_interactions(rng, people, purchases)
        written["tasks"], written["notes"] = self._write_tasks_and_notes(rng, people, purchases)
        written["consents"] = self._write_consents(rng, people)
        return written

    # Customers ---------------------------------------------------------------------------

    def _write_customers(self, rng, people: dict, purchases: dict) -> int:
        stamp = self.writer.stamp
        n = people["n"]
        self.company.order_lines(rng, people, purchases, self.person_products, self.org_products)
        spend = np.bincount(purchases["who"], weights=purchases["total_cents"], minlength=n) / 100
        self.spend = spend
        tiers = [float(t) for t, _name in data.MEMBER_LEVELS]
        source_codes = [s for s, _p in data.SOURCES]
        source_p = np.array([p for _s, p in data.SOURCES])
        source = rng.choice(len(source_codes), size=n, p=source_p / source_p.sum())
        prefixes = mobile_prefixes()
        prefix = rng.integers(0, len(prefixes), n)
        has_birthday = rng.random(n) < 0.85
        age_days = rng.integers(16 * 365, 72 * 365, n)
        has_email = rng.random(n) < 0.35
        has_wechat = rng.random(n) < 0.55
        married = rng.random(n)
        do_not_contact = rng.random(n) < 0.02
        referrer = rng.random(n)
        rng.random(n)  # was the sensitive-data draw: kept so each seed makes the same company
        domains = ["qq.com", "163.com", "126.com", "sina.com", "outlook.com"]
        lost_at, lost_reason = self._losses(people, purchases)
        rows = []
        for i in range(n):
            seq = int(people["seq"][i])
            name = people["names"][i]
            pinyin, initials, words = pinyin_of(name)
            province, city, district = self.triples[people["region"][i]]
            org = bool(people["is_org"][i])
            acquired = stamp(people["acquired"][i])
            birthday = None
            if not org and has_birthday[i]:
                birthday = self.today - timedelta(days=int(age_days[i]))
            level = "A" if spend[i] >= 3000 else ("B" if spend[i] >= 300 else "C")
            member_level = ""
            for threshold, label in zip(tiers, data.MEMBER_LEVELS, strict=True):
                if spend[i] >= threshold and not org and purchases["count"][i]:
                    member_level = label[1]
            code = source_codes[source[i]]
            referred = None
            if code == "referral" and seq > 0:
                referred = int(self.customer_base + int(referrer[i] * seq))
            road = data.ROADS[(seq * 7) % len(data.ROADS)]
            street = f"{road}{data.ROAD_SUFFIXES[seq % len(data.ROAD_SUFFIXES)]}{seq % 300 + 1}号"
            minor = birthday is not None and (self.today - birthday).days < 18 * 365
            rows.append(
                (
                    int(people["ids"][i]),
                    "organisation" if org else "person",
                    "company" if org else "consumer",
                    f"{'C' if org else 'M'}{seq + 1:07d}",
                    name,
                    pinyin,
                    initials,
                    words,
                    "" if org else ("male" if people["male"][i] else "female"),
                    birthday.isoformat() if birthday else None,
                    ""
                    if org
                    else (
                        "married" if married[i] < 0.55 else ("single" if married[i] < 0.9 else "")
                    ),
                    province,
                    city,
                    district,
                    street,
                    acquired,
                    "会员" if member_level else "",
                    member_level,
                    int(spend[i]),
                    "" if org else mobile_for(seq, prefixes[prefix[i]]),
                    f"{pinyin[:12]}{seq}@{domains[seq % 5]}" if has_email[i] else "",
                    f"wx_{pinyin[:12]}{seq}" if has_wechat[i] and not org else "",
                    uscc_for(seq, data.DIVISION_CODES[province]) if org else "",
                    level,
                    code,
                    referred,
                    people["owners"][i],
                    people["departments"][i],
                    bool(do_not_contact[i]),
                    # sensitive data on a fixed share (0.5 % and about 0.3 %), so even a small
                    # demo has some to show masking on
                    data.HEALTH_NOTES[seq % 3] if seq % 200 == 17 else "",
                    "30.2741,120.1551" if seq % 300 == 29 else "",
                    minor,
                    acquired,
                    acquired,
                    stamp(lost_at[i]) if lost_reason[i] else None,
                    lost_reason[i],
                )
            )
        table = Table(
            Customer,
            [
                "id", "kind", "category", "external_id", "name", "name_pinyin", "name_initials",
                "name_words", "gender", "birthday", "marital_status", "province", "city", "district", "street",
                "registered_at", "member_type", "member_level", "points", "mobile", "email",
                "wechat", "uscc", "level", "source", "referred_by_id", "owner_id",
                "department_id", "do_not_contact", "health_notes", "precise_location",
                "is_minor", "created_at", "updated_at", "lost_at", "lost_reason",
            ],
        )  # fmt: skip
        written = self.writer.write(table, rows)
        self._write_loss_entries(people, lost_at, lost_reason)
        return written

    def _write_loss_entries(self, people: dict, lost_at, lost_reason: list[str]) -> None:
        """The audit entry of each demo loss, as retention.mark_lost writes it (its owner marked
        it, at the lost date), so the 360 timeline shows "Marked lost" as for a loss recorded
        on the page."""
        import json

        from guanxi.audit.models import AuditEntry

        rows = []
        for i, reason in enumerate(lost_reason):
            if not reason:
                continue
            at = self.writer.stamp(lost_at[i])
            moment = datetime.fromtimestamp(int(lost_at[i]), UTC).isoformat()
            changes = {"lost_at": [None, moment], "lost_reason": ["", reason]}
            customer_id = int(people["ids"][i])
            owner = people["owners"][i]
            rows.append(
                (
                    owner,
                    "update",
                    "customer",
                    str(customer_id),
                    customer_id,
                    json.dumps(changes),
                    at,
                )
            )
        columns = ["actor_id", "action", "model", "object_id", "customer_id", "changes", "at"]
        self.writer.write(Table(AuditEntry, columns), rows)

    def _losses(self, people: dict, purchases: dict) -> tuple[np.ndarray, list[str]]:
        """A realistic handful of lapsed customers marked lost (LOST_SHARE of everyone, among
        those with no order for LAPSED_DAYS), each with one of the textbook's reasons and a
        lost date in the past year, at least 90 days after their last order. Drawn from a
        generator of its own so the rest of the company stays the same for a seed."""
        n = people["n"]
        rng = np.random.default_rng([self.seed, int(people["seq"][0]) if n else 0, 9])
        last = np.full(n, -np.inf)
        np.maximum.at(last, purchases["who"], purchases["when"])
        day = 86400.0
        lapsed = np.flatnonzero(np.isfinite(last) & (last < self.end - LAPSED_DAYS * day))
        share = min(1.0, LOST_SHARE * n / len(lapsed)) if len(lapsed) else 0.0
        chosen = lapsed[rng.random(len(lapsed)) < share]
        lost_at = np.zeros(n)
        reasons = [""] * n
        codes = [code for code, _weight in LOST_REASONS]
        weights = np.array([w for _code, w in LOST_REASONS], dtype=float)
        picks = rng.choice(len(codes), size=len(chosen), p=weights / weights.sum())
        for i, pick in zip(chosen, picks, strict=True):
            earliest = max(last[i] + 90 * day, self.end - 365 * day)
            lost_at[i] = earliest + rng.random() * (self.end - day - earliest)
            reasons[i] = codes[pick]
        return lost_at, reasons

    def _write_contacts(self, rng, people: dict) -> int:
        from faker.providers.person.zh_CN import Provider

        orgs = np.flatnonzero(people["is_org"])
        prefixes = [p for p in mobile_prefixes() if p.startswith("18")]
        rows = []
        for i in orgs:
            seq = int(people["seq"][i])
            for k in range(1 + seq % 3):
                surname = self.surnames[(seq + k * 7) % 60]
                given = Provider.first_names[(seq * 3 + k) % len(Provider.first_names)]
                rows.append(
                    (
                        int(people["ids"][i]),
                        surname + given,
                        data.CONTACT_TITLES[(seq + k) % len(data.CONTACT_TITLES)],
                        mobile_for(seq, prefixes[k]),
                        data.CONTACT_STYLES[(seq + k) % len(data.CONTACT_STYLES)],
                        k == 0,
                    )
                )
        now = self.writer.stamp(self.end)
        table = Table(
            Contact,
            [
                "customer_id", "name", "title", "mobile", "interpersonal_style", "is_primary",
                "created_at", "updated_at",
            ],
        )  # fmt: skip
        return self.writer.write(table, [(*r, now, now) for r in rows])

    def _write_tags(self, rng, people: dict) -> int:
        n = people["n"]
        k = rng.choice(4, size=n, p=[0.35, 0.35, 0.2, 0.1])
        picks = np.argsort(rng.random((n, len(self.tag_ids))), axis=1)[:, :3]
        through = Customer.tags.through
        rows = [
            (int(people["ids"][i]), self.tag_ids[picks[i, j]])
            for i in range(n)
            for j in range(k[i])
        ]
        return self.writer.write(Table(through, ["customer_id", "tag_id"]), rows)

    # Orders ------------------------------------------------------------------------------

    def _write_orders(self, rng, people: dict, purchases: dict) -> dict[str, int]:
        stamp = self.writer.stamp
        who, when = purchases["who"], purchases["when"]
        m = len(who)
        ids = self.order_base + self.orders_made + np.arange(m)
        self.orders_made += m
        status_draw = rng.random(m)
        recent = when > self.end - 3 * 86400
        local_day = _local_days()
        rows = []
        for j in range(m):
            i = who[j]
            moment = stamp(when[j])
            if recent[j]:
                status = "paid" if status_draw[j] < 0.5 else "shipped"
            elif status_draw[j] < 0.02:
                status = "refunded"
            elif status_draw[j] < 0.03:
                status = "cancelled"
            else:
                status = "completed"
            order_id = int(ids[j])
            rows.append(
                (
                    order_id,
                    int(people["ids"][i]),
                    order_number(local_day(int(when[j])), order_id),
                    moment,
                    status,
                    "CNY",
                    _cents(int(purchases["total_cents"][j])),
                    people["owners"][i],
                    moment,
                    moment,
                )
            )
        orders = self.writer.write(
            Table(
                Order,
                [
                    "id",
                    "customer_id",
                    "number",
                    "ordered_at",
                    "status",
                    "currency",
                    "total",
                    "owner_id",
                    "created_at",
                    "updated_at",
                ],
            ),  # fmt: skip
            rows,
        )
        person_ids = [p.pk for p in self.person_products]
        org_ids = [p.pk for p in self.org_products]
        line_rows = [
            (
                int(ids[o]),
                org_ids[p % len(org_ids)] if is_org else person_ids[p],
                int(q),
                _cents(int(price)),
                _cents(int(amount)),
            )
            for o, p, is_org, q, price, amount in zip(
                purchases["line_order"].tolist(),
                purchases["line_product"].tolist(),
                purchases["line_org"].tolist(),
                purchases["line_qty"].tolist(),
                purchases["line_price"].tolist(),
                purchases["line_amount"].tolist(),
                strict=True,
            )
        ]
        lines = self.writer.write(
            Table(OrderLine, ["order_id", "product_id", "quantity", "unit_price", "amount"]),
            line_rows,
        )
        return {"orders": orders, "order_lines": lines}

    # Activities --------------------------------------------------------------------------

    def _owner_or_manager(self, people: dict, i: int) -> int:
        return people["owners"][i] or self.staff.manager_id

    def _write_interactions(self, rng, people: dict, purchases: dict) -> int:
        stamp = self.writer.stamp
        n = people["n"]
        count = rng.poisson(0.6 + 0.35 * np.minimum(purchases["count"], 6))
        idx = np.repeat(np.arange(n), count)
        start = people["acquired"][idx]
        moment = start + rng.random(len(idx)) * (self.end - start)
        kind = rng.integers(0, len(data.INTERACTIONS), len(idx))
        channels = [c for c, _p in data.CHANNELS]
        channel_p = np.array([p for _c, p in data.CHANNELS])
        channel = rng.choice(len(channels), size=len(idx), p=channel_p / channel_p.sum())
        rows = []
        for j in range(len(idx)):
            i = idx[j]
            direction, content_kind, subject, content = data.INTERACTIONS[kind[j]]
            when = stamp(moment[j])
            rows.append(
                (
                    int(people["ids"][i]),
                    channels[channel[j]],
                    direction,
                    content_kind,
                    subject,
                    content,
                    when,
                    self._owner_or_manager(people, i),
                    when,
                )
            )
        table = Table(
            Interaction,
            [
                "customer_id", "channel", "direction", "content_kind", "subject", "content",
                "occurred_at", "user_id", "created_at",
            ],
        )  # fmt: skip
        return self.writer.write(table, rows)

    def _write_tasks_and_notes(self, rng, people: dict, purchases: dict) -> tuple[int, int]:
        n = people["n"]
        stamp = self.writer.stamp
        today = datetime.combine(self.today, time(1, 0), tzinfo=UTC).timestamp()
        has_task = rng.random(n) < 0.08
        offset = rng.integers(-20, 30, n)
        done = rng.random(n) < 0.7
        task_rows = []
        for i in np.flatnonzero(has_task):
            due = today + 86400 * int(offset[i])
            owner = self._owner_or_manager(people, i)
            title = data.TASKS[int(people["seq"][i]) % len(data.TASKS)]
            task_rows.append(
                (
                    int(people["ids"][i]),
                    "follow_up",
                    f"{title}：{people['names'][i]}",
                    stamp(due),
                    stamp(due - 86400),
                    owner,
                    owner,
                    stamp(due) if (offset[i] < 0 and done[i]) else None,
                    stamp(today),
                    stamp(today),
                )
            )
        tasks = self.writer.write(
            Table(
                Task,
                [
                    "customer_id",
                    "kind",
                    "title",
                    "due_at",
                    "remind_at",
                    "assignee_id",
                    "created_by_id",
                    "done_at",
                    "created_at",
                    "updated_at",
                ],
            ),  # fmt: skip
            task_rows,
        )
        note_draw = rng.random(n)
        note_rows = []
        for i in range(n):
            if note_draw[i] >= 0.06:
                continue
            complaint = note_draw[i] < 0.015 and purchases["count"][i] > 0
            seq = int(people["seq"][i])
            body = (
                data.COMPLAINTS[seq % len(data.COMPLAINTS)]
                if complaint
                else data.NOTES[seq % len(data.NOTES)]
            )
            written = min(
                people["acquired"][i] + (self.end - people["acquired"][i]) * note_draw[i] * 10,
                today,
            )
            note_rows.append(
                (
                    int(people["ids"][i]),
                    "complaint" if complaint else "general",
                    body,
                    self._owner_or_manager(people, i),
                    stamp(written),
                )
            )
        notes = self.writer.write(
            Table(Note, ["customer_id", "kind", "body", "author_id", "created_at"]), note_rows
        )
        return tasks, notes

    def _write_consents(self, rng, people: dict) -> int:
        stamp = self.writer.stamp
        n = people["n"]
        draw = rng.random(n)
        marketing = rng.random(n)
        rows = []
        for i in range(n):
            if draw[i] >= 0.7:
                continue
            at = stamp(people["acquired"][i])
            owner = people["owners"][i]
            rows.append((int(people["ids"][i]), "service", True, "门店登记", owner, at))
            if marketing[i] < 0.75:
                rows.append(
                    (
                        int(people["ids"][i]),
                        "marketing",
                        bool(marketing[i] < 0.55),
                        "门店登记",
                        owner,
                        at,
                    )
                )
        table = Table(
            Consent,
            ["customer_id", "purpose", "granted", "channel", "recorded_by_id", "recorded_at"],
        )
        return self.writer.write(table, rows)


def wipe() -> None:
    """Delete every customer and what hangs off them, products and tags (for --reset)."""
    from guanxi.audit.models import AuditEntry
    from guanxi.contracts.models import Contract, Payment, Quote
    from guanxi.privacy.models import RevealLog

    for model in [Payment, Contract, Quote]:  # they protect their customers
        model.objects.all().delete()
    if truncate([Customer, Product, Tag, AuditEntry]):
        return
    for model in [OrderLine, Order, Interaction, Task, Note, Consent, RevealLog, Contact]:
        model.objects.all().delete()
    Customer.objects.update(referred_by=None)
    Customer.objects.all().delete()
    Product.objects.all().delete()
    Tag.objects.all().delete()
    AuditEntry.objects.all().delete()


def _local_days():
    """epoch seconds → the day in the site's time zone, fast for millions of orders.

    Every time zone's offset and every change of it falls on a quarter hour, so all moments of
    one UTC quarter hour share a local day: one conversion per quarter hour, not per order.
    """
    days: dict[int, date] = {}

    def local_day(epoch: int) -> date:
        quarter = epoch // 900
        day = days.get(quarter)
        if day is None:
            day = days[quarter] = timezone.localtime(
                datetime.fromtimestamp(quarter * 900, UTC)
            ).date()
        return day

    return local_day
