#!/usr/bin/env python3
"""Independent reference for the pizza-sales sample (examples/generator/README.md, "The order model").

Re-implements the generator's PRNG and order model in plain Python (no DuckDB, no pyarrow), reads the
menu from the generated CSV files with the csv module, and prints as JSON the aggregates the sample test
compares with SQL run through the local engine:

  python3 expected.py --sample DIR --start 2024-01-25 --days 14 --seed 7 \
      --week 2024-01-29 2024-02-04 --month 2024-01-01 2024-02-01
"""
import argparse
import csv
import datetime
import json
import os
import sys

MASK = (1 << 64) - 1

# Popularity weight of each pizza type (README: "The menu"), independent of the C++ table.
POPULARITY = {
    "bbq_ckn": 9, "cali_ckn": 9, "ckn_alfredo": 4, "ckn_pesto": 4, "southw_ckn": 7, "thai_ckn": 9,
    "big_meat": 7, "classic_dlx": 10, "hawaiian": 9, "ital_cpcllo": 6, "napolitana": 5, "pep_msh_pep": 5,
    "pepperoni": 10, "the_greek": 1, "brie_carre": 1, "calabrese": 3, "ital_supr": 7, "peppr_salami": 6,
    "prsc_argla": 6, "sicilian": 7, "soppressata": 3, "spicy_ital": 7, "spinach_supr": 3, "five_cheese": 5,
    "four_cheese": 8, "green_garden": 3, "ital_veggie": 4, "mediterraneo": 3, "mexicana": 5, "spin_pesto": 3,
    "spinach_fet": 4, "veggie_veg": 5,
}
SIZES = ["S", "M", "L"]
SIZE_WEIGHTS = [35, 38, 27]
ORDERS_PER_WEEKDAY = [860, 900, 950, 1020, 1380, 1430, 1090]  # Monday first
ORDERS_JITTER = 60
OPENING_HOUR = 11
HOUR_WEIGHTS = [6, 14, 12, 6, 4, 5, 9, 13, 12, 9, 5, 3]
MAX_LINES_PER_ORDER = 4
QUANTITY_WEIGHTS = [85, 12, 3]


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, bound):
        return self.next() % bound

    def weighted(self, weights):
        r = self.below(sum(weights))
        for index, weight in enumerate(weights):
            if r < weight:
                return index
            r -= weight
        raise AssertionError("unreachable")


def cents(text):
    whole, _, fraction = text.partition(".")
    return int(whole) * 100 + int((fraction + "00")[:2])


def money(value_in_cents):
    return "%d.%02d" % (value_in_cents // 100, value_in_cents % 100)


def read_menu(sample):
    lake = os.path.join(sample, "example-data-lake", "pizza")
    with open(os.path.join(lake, "pizza_types", "pizza_types.csv"), newline="") as f:
        types = list(csv.DictReader(f))
    with open(os.path.join(lake, "pizzas", "pizzas.csv"), newline="") as f:
        pizzas = {row["pizza_id"]: row for row in csv.DictReader(f)}
    return types, pizzas


def generate(types, start, days, seed):
    """Yields (date, order_id, order_details_id, pizza_id, quantity, seconds_of_day) in generation order."""
    popularity = [POPULARITY[t["pizza_type_id"]] for t in types]
    random = SplitMix64(seed)
    order_id = 0
    order_details_id = 0
    for day_index in range(days):
        day = start + datetime.timedelta(days=day_index)
        orders = ORDERS_PER_WEEKDAY[day.weekday()] - ORDERS_JITTER + random.below(2 * ORDERS_JITTER + 1)
        times = []
        for _ in range(orders):
            hour = OPENING_HOUR + random.weighted(HOUR_WEIGHTS)
            times.append(hour * 3600 + random.below(3600))
        times.sort()
        for seconds in times:
            order_id += 1
            chosen = set()
            for _ in range(1 + random.below(MAX_LINES_PER_ORDER)):
                while True:
                    type_index = random.weighted(popularity)
                    size = SIZES[random.weighted(SIZE_WEIGHTS)]
                    pizza_id = types[type_index]["pizza_type_id"] + "_" + size.lower()
                    if pizza_id not in chosen:
                        break
                chosen.add(pizza_id)
                quantity = 1 + random.weighted(QUANTITY_WEIGHTS)
                order_details_id += 1
                yield day, order_id, order_details_id, pizza_id, quantity, seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", required=True)
    parser.add_argument("--start", required=True, type=datetime.date.fromisoformat)
    parser.add_argument("--days", required=True, type=int)
    parser.add_argument("--seed", required=True, type=int)
    parser.add_argument("--week", nargs=2, type=datetime.date.fromisoformat, required=True)  # inclusive
    parser.add_argument("--month", nargs=2, type=datetime.date.fromisoformat, required=True)  # [from, to)
    args = parser.parse_args()

    types, pizzas = read_menu(args.sample)
    type_by_id = {t["pizza_type_id"]: t for t in types}

    daily = {}
    hourly = {}
    week = {}
    month = {}
    pizza_quantity = {}
    last_ids = (0, 0)
    rows = 0
    for day, order_id, order_details_id, pizza_id, quantity, seconds in generate(
            types, args.start, args.days, args.seed):
        rows += 1
        last_ids = (order_id, order_details_id)
        date = day.isoformat()
        price = cents(pizzas[pizza_id]["price"])
        pizza_type = type_by_id[pizzas[pizza_id]["pizza_type_id"]]
        d = daily.setdefault(date, {"orders": set(), "lines": 0, "pizzas_sold": 0, "revenue": 0})
        d["orders"].add(order_id)
        d["lines"] += 1
        d["pizzas_sold"] += quantity
        d["revenue"] += quantity * price
        hourly.setdefault(date, {}).setdefault(str(seconds // 3600), set()).add(order_id)
        pizza_quantity[pizza_id] = pizza_quantity.get(pizza_id, 0) + quantity
        if args.week[0] <= day <= args.week[1]:
            w = week.setdefault(pizza_type["name"], {"category": pizza_type["category"], "pizzas_sold": 0,
                                                     "revenue": 0})
            w["pizzas_sold"] += quantity
            w["revenue"] += quantity * price
        if args.month[0] <= day < args.month[1]:
            month[pizza_type["category"]] = month.get(pizza_type["category"], 0) + quantity * price

    month_total = sum(month.values())
    top_quantity = max(pizza_quantity.values())
    result = {
        "rows": rows,
        "last_order_id": last_ids[0],
        "last_order_details_id": last_ids[1],
        "daily": {date: {"orders": len(d["orders"]), "lines": d["lines"], "pizzas_sold": d["pizzas_sold"],
                         "revenue": money(d["revenue"])} for date, d in daily.items()},
        "hourly": {date: {hour: len(ids) for hour, ids in hours.items()} for date, hours in hourly.items()},
        "week": {name: {"category": w["category"], "pizzas_sold": w["pizzas_sold"], "revenue": money(w["revenue"])}
                 for name, w in week.items()},
        "month": {category: {"revenue": money(amount), "share_pct": 100.0 * amount / month_total}
                  for category, amount in month.items()},
        "top_pizza": {"pizza_id": min(p for p, q in pizza_quantity.items() if q == top_quantity),
                      "quantity": top_quantity},
        "menu": sorted(([type_by_id[p["pizza_type_id"]]["category"], type_by_id[p["pizza_type_id"]]["name"],
                         p["size"], p["price"]] for p in pizzas.values()),
                       key=lambda row: (row[0], row[1], cents(row[3]))),
    }
    json.dump(result, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
