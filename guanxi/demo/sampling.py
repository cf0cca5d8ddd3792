"""The random demo company: who the customers are and when they buy, drawn from a seed.

Purchases follow the repeat-buying process the analytics models assume (BG/NBD and gamma-gamma,
Fader, Hardie & Lee 2005): while "alive", customer i buys at Poisson rate λᵢ ~ Gamma(r, α);
after every purchase they silently drop out with probability pᵢ ~ Beta(a, b); each order's
value is Gamma(p, νᵢ)-distributed with νᵢ ~ Gamma(q, γ) per customer. Nothing tells the CRM
that a customer stopped: the analytics must find out, as in real life.

Nothing here touches the database; guanxi.demo.generator writes the tables. The writers still
draw the per-row details (phone prefixes, tags, interaction subjects, ...) from the same random
stream, right after these draws, so the order of the draws is part of "same seed, same company".
"""

import functools
from dataclasses import dataclass

import numpy as np

from guanxi.customers.normalize import name_initials, name_pinyin, name_words

from . import data

YEARS = 2.0
# BG/NBD and gamma-gamma parameters (per year): about 2.4 purchases a year while alive, about
# one customer in four drops out after any purchase; an order is worth about ¥300 on average.
R, ALPHA = 1.2, 0.5
A, B = 1.5, 4.5
P_SPEND, Q_SPEND, GAMMA_SPEND = 6.0, 4.0, 150.0
ORG_SHARE = 0.04
NEVER_BOUGHT = 0.08  # prospects: registered, never bought


@functools.cache
def mobile_prefixes() -> tuple[str, ...]:
    """Four-digit Chinese mobile prefixes phonenumbers accepts for any seven digits after."""
    import phonenumbers

    found = []
    for head in [*range(130, 140), *range(150, 160), *range(180, 190), 166, 177, 199]:
        for digit in range(10):
            prefix = f"{head}{digit}"
            if all(
                phonenumbers.is_valid_number(phonenumbers.parse(prefix + tail, "CN"))
                for tail in ("0000000", "5550123", "9999999")
            ):
                found.append(prefix)
    return tuple(found)


def mobile_for(index: int, prefix: str) -> str:
    """A unique E.164 mobile per index: an affine bijection of 0..10⁷-1 spreads the digits."""
    return f"+86{prefix}{(index * 7_654_321 + 1_234_567) % 10_000_000:07d}"


def uscc_for(index: int, division: str) -> str:
    """A unified social credit code with a correct check digit (GB 32100-2015)."""
    from stdnum.cn import uscc

    body = f"91{division}{index % 100_000_000:08d}" + "0123456789ABCDEFGHJKLMNPQRTUWXY"[index % 31]
    return body + uscc.calc_check_digit(body)


@functools.lru_cache(maxsize=200_000)
def pinyin_of(name: str) -> tuple[str, str, str]:
    return name_pinyin(name), name_initials(name), name_words(name)


@dataclass
class Staff:
    """Who owns the demo's customers: reps per team (user id, department id)."""

    reps_by_team: dict[str, list[tuple[int, int]]]
    manager_id: int


class Company:
    """The company's fixed distributions (regions, surnames) and the draws per chunk."""

    def __init__(self, staff: Staff, start: float, end: float):
        self.staff = staff
        self.start, self.end = start, end  # epoch seconds: history from two years ago to today
        self._regions()
        self._surnames()

    def _regions(self):
        triples, weights = [], []
        province_weight = {
            p: 1.0 + 2.0 * (p in {"浙江省", "上海市", "江苏省"}) for p in data.REGIONS
        }
        for province, cities in data.REGIONS.items():
            flat = [(province, c, d) for c, ds in cities.items() for d in ds]
            triples += flat
            weights += [province_weight[province] / len(flat)] * len(flat)
        self.triples = triples
        self.triple_p = np.array(weights) / sum(weights)
        team_of = {p: t for t, ps in data.TEAM_REGIONS.items() for p in ps}
        self.triple_team = [team_of[p] for p, _c, _d in triples]

    def _surnames(self):
        from faker.providers.person.zh_CN import Provider

        self.surnames = list(Provider.last_names)
        weights = np.array(list(Provider.last_names.values()), dtype=float)
        self.surname_p = weights / weights.sum()
        self.male_names = list(Provider.first_names_male)
        self.female_names = list(Provider.first_names_female)

    def people(self, rng, first: int, n: int, id_base: int) -> dict:
        """Who the customers are: kind, sex, region, name, when acquired, owner."""
        seq = np.arange(first, first + n)
        is_org = rng.random(n) < ORG_SHARE
        male = rng.random(n) < 0.48
        region = rng.choice(len(self.triples), size=n, p=self.triple_p)
        acquired = self.start + rng.random(n) * (self.end - self.start - 86400)
        surname = rng.choice(len(self.surnames), size=n, p=self.surname_p)
        given_m = rng.integers(0, len(self.male_names), n)
        given_f = rng.integers(0, len(self.female_names), n)
        word = rng.integers(0, len(data.COMPANY_WORDS), n)
        suffix = rng.integers(0, len(data.COMPANY_SUFFIXES), n)
        names = []
        for i in range(n):
            province, city, _district = self.triples[region[i]]
            if is_org[i]:
                names.append(
                    city.removesuffix("市")
                    + data.COMPANY_WORDS[word[i]]
                    + data.COMPANY_SUFFIXES[suffix[i]]
                )
            else:
                given = self.male_names[given_m[i]] if male[i] else self.female_names[given_f[i]]
                names.append(self.surnames[surname[i]] + given)
        owners, departments = [], []
        pool = rng.random(n) < 0.02
        pick = rng.integers(0, 1_000_000, n)
        for i in range(n):
            reps = self.staff.reps_by_team[self.triple_team[region[i]]]
            if pool[i]:
                owners.append(None)
                departments.append(None)
            else:
                owner, department = reps[pick[i] % len(reps)]
                owners.append(owner)
                departments.append(department)
        return {
            "n": n,
            "seq": seq,
            "ids": id_base + seq,
            "is_org": is_org,
            "male": male,
            "region": region,
            "acquired": acquired,
            "names": names,
            "owners": owners,
            "departments": departments,
        }

    def purchases(self, rng, people: dict, n: int) -> dict:
        """Simulate the BG/NBD process: arrays of (customer index, time) sorted by both."""
        lam = rng.gamma(R, 1.0 / ALPHA, n) / (365.25 * 86400)  # per second
        drop = rng.beta(A, B, n)
        buyer = rng.random(n) >= NEVER_BOUGHT
        clock = people["acquired"].copy()
        alive = buyer.copy()
        who, when = [np.flatnonzero(alive)], [clock[alive]]
        for _ in range(200):
            alive &= rng.random(n) >= drop
            clock = clock + rng.exponential(1.0, n) / lam
            alive &= clock < self.end
            if not alive.any():
                break
            who.append(np.flatnonzero(alive))
            when.append(clock[alive])
        who_all, when_all = np.concatenate(who), np.concatenate(when)
        order = np.lexsort((when_all, who_all))
        nu = rng.gamma(Q_SPEND, 1.0 / GAMMA_SPEND, n)  # gamma-gamma: per-customer ν
        who_all, when_all = who_all[order], when_all[order]
        scale = np.where(people["is_org"][who_all], 12.0, 1.0)
        value = rng.gamma(P_SPEND, 1.0 / nu[who_all]) * scale
        return {
            "who": who_all,
            "when": when_all,
            "value": value,
            "count": np.bincount(who_all, minlength=n),
        }

    def order_lines(self, rng, people: dict, purchases: dict, person_products, org_products):
        """Turn each order's value into lines of real products at list price (exact cents)."""
        who = purchases["who"]
        m = len(who)
        org = people["is_org"][who]
        n_lines = np.minimum(1 + rng.poisson(0.5, m), 4)
        line_order = np.repeat(np.arange(m), n_lines)
        line_org = org[line_order]
        person_prices = np.array([int(p.price * 100) for p in person_products])
        org_prices = np.array([int(p.price * 100) for p in org_products])
        pick_p = rng.integers(0, len(person_prices), len(line_order))
        pick_o = rng.integers(0, len(org_prices), len(line_order))
        price = np.where(line_org, org_prices[pick_o % len(org_prices)], person_prices[pick_p])
        share = purchases["value"][line_order] * 100 / n_lines[line_order]
        quantity = np.maximum(1, np.rint(share * rng.uniform(0.6, 1.4, len(line_order)) / price))
        quantity = np.minimum(quantity, 500).astype(np.int64)
        amount = quantity * price
        purchases.update(
            line_order=line_order,
            line_product=np.where(line_org, pick_o, pick_p),
            line_org=line_org,
            line_qty=quantity,
            line_price=price,
            line_amount=amount,
            total_cents=np.bincount(line_order, weights=amount, minlength=m).astype(np.int64),
        )
