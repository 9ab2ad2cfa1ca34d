#!/usr/bin/env python3
"""Independent oracle for EventBridge Scheduler cron fire times (tests/spec/schedule_oracle_test.cpp).

Reads [{"expression", "zone", "from", "to"}, ...] as JSON on stdin and prints, for each case, the list of
fire times in [from, to) as "YYYY-MM-DDTHH:MM:SSZ". Unlike the C++ code (which walks local calendar days
and resolves each local time), this walks every UTC minute, converts it to local time with zoneinfo and
checks the fields; so a local time skipped by a DST jump never appears, and a repeated local time fires
only at its first UTC occurrence - the behaviour AWS documents for EventBridge Scheduler.
"""
import calendar
import datetime as dt
import json
import sys
import zoneinfo

MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]  # 1..7
RANGES = [(0, 59, None), (0, 23, None), (1, 31, None), (1, 12, MONTHS), (1, 7, DAYS), (1970, 2199, None)]


def value(text, lo, hi, names):
    if names and text.upper() in names:
        return lo + names.index(text.upper())
    n = int(text)
    assert lo <= n <= hi, text
    return n


def expand(item, lo, hi, names):
    """Plain items: *, a, a-b (wrapping when b < a), with /step."""
    base, _, step = item.partition("/")
    step = int(step) if step else 1
    if base == "*":
        first, last = lo, hi
    elif "-" in base:
        a, b = base.split("-")
        first, last = value(a, lo, hi, names), value(b, lo, hi, names)
    else:
        first = value(base, lo, hi, names)
        last = hi if step > 1 or _ else first
    span = hi - lo + 1
    seq = [lo + (first - lo + k) % span for k in range((last - first) % span + 1)]
    return set(seq[::step])


def eb_weekday(date):  # 1 = Sunday ... 7 = Saturday
    return (date.isoweekday() % 7) + 1


def dom_matches(field, date):
    last = calendar.monthrange(date.year, date.month)[1]
    for item in field.split(","):
        if item == "L":
            if date.day == last:
                return True
        elif item == "LW":
            d = last
            while eb_weekday(date.replace(day=d)) in (1, 7):
                d -= 1
            if date.day == d:
                return True
        elif item.endswith("W"):
            n = int(item[:-1])
            if n > last:
                continue
            target = date.replace(day=n)
            wd = eb_weekday(target)
            if wd == 7:
                n = n - 1 if n > 1 else n + 2
            elif wd == 1:
                n = n + 1 if n < last else n - 2
            if date.day == n:
                return True
        elif date.day in expand(item, 1, 31, None):
            return True
    return False


def dow_matches(field, date):
    wd = eb_weekday(date)
    last = calendar.monthrange(date.year, date.month)[1]
    for item in field.split(","):
        if item == "L":
            if wd == 7:
                return True
        elif "#" in item:
            d, n = item.split("#")
            if wd == value(d, 1, 7, DAYS) and (date.day - 1) // 7 + 1 == int(n):
                return True
        elif len(item) > 1 and item.endswith("L"):
            if wd == value(item[:-1], 1, 7, DAYS) and date.day + 7 > last:
                return True
        elif wd in expand(item, 1, 7, DAYS):
            return True
    return False


def matcher(expression):
    assert expression.startswith("cron(") and expression.endswith(")")
    minute, hour, dom, month, dow, year = expression[5:-1].split()
    minutes = expand_list(minute, 0)
    hours = expand_list(hour, 1)
    months = expand_list(month, 3)
    years = expand_list(year, 5)

    def matches(local):
        if local.minute not in minutes or local.hour not in hours or local.month not in months:
            return False
        if local.year not in years:
            return False
        date = local.date()
        if dom != "?" and not dom_matches(dom, date):
            return False
        if dow != "?" and not dow_matches(dow, date):
            return False
        return True

    return matches


def expand_list(field, index):
    lo, hi, names = RANGES[index]
    out = set()
    for item in field.split(","):
        out |= expand(item, lo, hi, names)
    return out


def parse_utc(text):
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


def fire_times(case):
    zone = zoneinfo.ZoneInfo(case["zone"])
    matches = matcher(case["expression"])
    t, end = parse_utc(case["from"]), parse_utc(case["to"])
    seen_local = set()
    out = []
    while t < end:
        local = t.astimezone(zone)
        naive = local.replace(tzinfo=None, fold=0)
        if matches(naive) and naive not in seen_local:
            out.append(t.strftime("%Y-%m-%dT%H:%M:%SZ"))
        seen_local.add(naive)
        t += dt.timedelta(minutes=1)
    return out


if __name__ == "__main__":
    json.dump([fire_times(case) for case in json.load(sys.stdin)], sys.stdout)
