#!/usr/bin/env python3
"""Generates data/references.csv: 60-digit reference values for hotline-erlang's accuracy tests.

Requires mpmath (`pip install mpmath`; with `gmpy2` installed it is faster). Run from anywhere:

    python3 crates/hotline-erlang/scripts/gen_references.py      # JOBS=N worker processes, 2 by default

It takes a few minutes (211 s with two workers on a loaded 2-core machine). Every value is computed
from first principles with mpmath at 60 significant digits and printed with 25 significant digits,
independently of the Rust code's floating-point algorithms:

* Erlang B through the incomplete gamma function: 1/B(x, a) = e^a a^-x Gamma(x + 1, a);
* Erlang C from B: C = x B / (x - a (1 - B));
* Erlang A (M/M/N+M) in closed form through the scaled lower incomplete gamma function
  L(s, v) = e^v v^-s gamma(s, v) (a Kummer function) and its derivative in s, and through
  differences of incomplete gamma functions for the service levels (see erlang_a_at). L is summed
  as a power series in binary fixed point below its peak and through Legendre's continued fraction
  above it, so that a million agents cost seconds. Each Erlang A row is computed at 60 and at 80
  digits, and the two must agree to 45 digits.

Rows (comma separated, `#` lines are comments):
    b,load,agents,blocking
    c,load,agents,p_wait
    a,load,agents,aht,patience,target,p_wait,p_abandon,mean_wait,asa,service_level,
      service_level_answered,service_level_virtual
(one line each; waits in seconds, mean_wait of all callers, asa of answered callers).
"""

import multiprocessing
import os
import sys
import time

import mpmath as mp

mp.mp.dps = 60
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "references.csv")


def lower_scaled(x, a):
    """e^a a^-x gamma(x + 1, a) = sum_{k>=1} a^k / ((x+1)...(x+k)), for x well above a."""
    term, total, k = mp.mpf(1), mp.mpf(0), 1
    while True:
        term *= a / (x + k)
        total += term
        if term < total * mp.mpf(10) ** (-mp.mp.dps - 5):
            return total
        k += 1


def erlang_b(x, a):
    x, a = mp.mpf(x), mp.mpf(a)
    if x > a + 5 * mp.sqrt(a) + 10:
        # Gamma(x + 1, a) = Gamma(x + 1) - gamma(x + 1, a): mpmath's own upper incomplete gamma
        # does not converge here; the lower one is a fast series.
        with mp.workdps(mp.mp.dps + 20):
            recip = mp.exp(a + mp.loggamma(x + 1) - x * mp.log(a)) - lower_scaled(x, a)
        return 1 / recip
    return 1 / (mp.exp(a) * a ** (-x) * mp.gammainc(x + 1, a))


def erlang_c(x, a):
    x, a = mp.mpf(x), mp.mpf(a)
    b = erlang_b(x, a)
    return x * b / (x - a * (1 - b))


def upper_cf(s, a):
    """h(s, a) with Gamma(s, a) = e^-a a^s h: Legendre's continued fraction (modified Lentz), for
    a > 0. It converges in O(sqrt(s)) steps near a = s and in a few dozen far above it."""
    tiny = mp.mpf(10) ** (-3 * mp.mp.dps)
    eps = mp.mpf(10) ** (-mp.mp.dps - 5)
    b = a + 1 - s
    c, d = 1 / tiny, 1 / b
    h, i = d, 1
    while True:
        an = -i * (i - s)
        b += 2
        d = an * d + b
        if abs(d) < tiny:
            d = tiny
        c = b + an / c
        if abs(c) < tiny:
            c = tiny
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < eps:
            return h
        i += 1


def lower_series(s, v, deriv=False):
    """L(s, v) = e^v v^-s gamma(s, v) = sum_{k>=0} v^k / (s (s+1) ... (s+k)) for v <= s + 1, and
    with deriv also D = -dL/ds = sum_k v^k / (s ... (s+k)) sum_{i<=k} 1 / (s+i).

    Summed in binary fixed point with Python integers (64 guard bits beyond the working precision;
    every term is at most 1 and the sum at least 1), which is some twenty times faster than mpf
    arithmetic for the ~17 sqrt(s) terms needed near v = s."""
    p = mp.mp.prec + 64
    one = 1 << p
    big_s = int(mp.mpf(s) * one)
    big_v = int(mp.mpf(v) * one)
    one2 = one * one
    term = total = one
    harmonic = one2 // big_s
    dsum = harmonic
    k = 0
    while True:
        k += 1
        den = big_s + k * one
        term = term * big_v // den
        total += term
        if deriv:
            harmonic += one2 // den
            dsum += (term * harmonic) >> p
        gap = den + one - big_v
        if gap > 0:
            # The remaining terms fall at least geometrically with ratio r = v / (s + k + 1):
            # tail <= term r / (1 - r); the harmonic factors add at most 1 / (s + k + 1 - v) each.
            tail = term * big_v // gap
            factor = one + (harmonic + one2 // gap if deriv else 0)
            if (tail * factor) >> p <= 1:
                break
    l_value = mp.mpf(total) / one / s
    d_value = mp.mpf(dsum) / one / s if deriv else None
    return l_value, d_value


def big_l(s, v):
    """L(s, v) = e^v v^-s gamma(s, v) for any s, v > 0."""
    if v <= s + 1:
        return lower_series(s, v)[0]
    # gamma = Gamma(s) - Gamma(s, v), the upper part from the continued fraction.
    return mp.exp(v - s * mp.log(v) + mp.loggamma(s)) - upper_cf(s, v)


def big_d(s, v):
    """D(s, v) = -dL/ds (s, v)."""
    if v <= s + 1:
        return lower_series(s, v, deriv=True)[1]
    return -mp.diff(lambda t: big_l(t, v), s)


def scaled_interval(s, y, z):
    """J = int_z^1 u^(s-1) e^(y (1 - u)) du = e^y y^-s int_{yz}^{y} v^(s-1) e^-v dv, for 0 < z < 1,
    written as a difference of lower or of upper incomplete gamma functions (whichever pair lies on
    one side of the peak at v = s - 1), or as the whole mass minus both tails."""
    lo = y * z
    scale_lo = mp.exp(y - lo + s * mp.log(z))  # e^y y^-s e^-lo lo^s
    if lo >= s:
        return scale_lo * upper_cf(s, lo) - upper_cf(s, y)
    if y <= s:
        return big_l(s, y) - scale_lo * big_l(s, lo)
    whole = mp.exp(y - s * mp.log(y) + mp.loggamma(s))
    return whole - scale_lo * big_l(s, lo) - upper_cf(s, y)


def reciprocal_b_ref(n, a):
    """R = 1 / B(n, a) = e^a a^-n Gamma(n + 1, a), for the Erlang A rows (the continued fraction
    above the peak, the series below it)."""
    if a > n + 1:
        return a * upper_cf(n + 1, a)
    return mp.exp(a - n * mp.log(a) + mp.loggamma(n + 1)) - a * big_l(n + 1, a)


def erlang_a_at(load, agents, aht, patience, target):
    """Every Erlang A measure at the current precision (plus guard digits), in closed form.

    With x = N mu / theta, y = lambda / theta and the states relative to "all agents busy, nobody
    waiting": below it R - 1 (R = 1 / Erlang B), at and above it s0 = A(x, y) = x L(x, y) (the
    Kummer function 1F1(1; x + 1; y)); callers who find j waiting are served with probability
    x / (x + j + 1), which sums to x L(x + 1, y); their waits, in units of 1 / theta, sum to
    x D(x + 1, y) (D = -dL/ds: the harmonic sums of the phase means); the virtual wait V and the
    answered callers' wait W have P(V <= t, V > 0) ~ x J(x, z) and P(W <= t, answered, W > 0) ~
    x J(x + 1, z) with z = e^(-t theta) (Y = e^(-theta V) is Beta(x, j + 1) given j waiting).
    """
    with mp.workdps(mp.mp.dps + 40):
        a, n = mp.mpf(load), mp.mpf(agents)
        ratio = mp.mpf(patience) / mp.mpf(aht)
        x, y = n * ratio, a * ratio
        z = mp.exp(-mp.mpf(target) / mp.mpf(patience))
        r = reciprocal_b_ref(n, a)
        s0 = x * big_l(x, y)
        served = x * big_l(x + 1, y)
        # L(s + 1, y) = (s L(s, y) - 1) / y: two evaluations of L must agree.
        check = served - (x / y) * (s0 - 1)
        assert abs(check) <= abs(served) * mp.mpf(10) ** (-mp.mp.dps + 25), (load, agents, check)
        abandon = s0 - served
        wait = x * big_d(x + 1, y)
        total = r - 1 + s0
        answered = r - 1 + served
        within_answered = x * scaled_interval(x + 1, y, z)
        within_virtual = x * scaled_interval(x, y, z)
        p_abandon = abandon / total
        return {
            "p_wait": s0 / total,
            "p_abandon": p_abandon,
            # Little's law for abandonment: P(abandon) = theta E[W].
            "mean_wait": p_abandon * mp.mpf(patience),
            "asa": mp.mpf(patience) * wait / answered,
            "service_level": (r - 1 + within_answered) / total,
            "service_level_answered": (r - 1 + within_answered) / answered,
            "service_level_virtual": (r - 1 + within_virtual) / total,
        }


A_MEASURES = ("p_wait", "p_abandon", "mean_wait", "asa", "service_level",
              "service_level_answered", "service_level_virtual")


def erlang_a(load, agents, aht, patience, target):
    """erlang_a_at at 60 digits, checked against a second evaluation at 80 digits: every measure
    must agree to 45 digits (catches cancellation and early stops)."""
    low = erlang_a_at(load, agents, aht, patience, target)
    with mp.workdps(mp.mp.dps + 20):
        high = erlang_a_at(load, agents, aht, patience, target)
    for k in A_MEASURES:
        assert abs(low[k] - high[k]) <= abs(high[k]) * mp.mpf("1e-45"), (load, agents, k, low[k], high[k])
    return high


def fmt(v):
    return mp.nstr(v, 25, strip_zeros=False, min_fixed=-3, max_fixed=3)


def b_cases():
    agents = [1, 2, 5, 10, 30, 100, 300, 1000, 3000, 10_000, 30_000, 100_000, 300_000, 1_000_000]
    occupancies = ["0.1", "0.5", "0.8", "0.9", "0.95", "0.99", "0.999", "0.9999"]
    for n in agents:
        for occ in occupancies:
            yield (mp.mpf(occ) * n, n)
        for over in ["1.5", "10"]:
            yield (mp.mpf(over) * n, n)
    # Fractional agents.
    for n in [0.3, 1.5, 2.25, 7.9, 10.5, 99.5, 1000.25, 50_000.5]:
        for occ in ["0.5", "0.9", "1.2"]:
            yield (mp.mpf(occ) * mp.mpf(n), n)
    # Fractional agents around the boundaries between the starting methods (loads near 2 and
    # just above, where the continued fraction starts below one agent).
    for n in ["0.1", "0.5", "0.9", "1.1", "3.7", "6.01"]:
        for a in ["0.001", "1.99", "2.01", "3", "5", "6.5", "12"]:
            yield (mp.mpf(a), mp.mpf(n))
    # Probabilities down to the smallest normal double: for several loads, agent counts where B
    # is near 1e-300 and 1e-307.
    for a in ["0.01", "0.5", "5", "50", "500", "5000", "50000"]:
        a = mp.mpf(a)
        for goal in [mp.mpf("1e-300"), mp.mpf("1e-307")]:
            lo = hi = max(1, int(a))
            while erlang_b(hi, a) > goal:
                hi *= 2
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if erlang_b(mid, a) > goal:
                    lo = mid
                else:
                    hi = mid
            yield (a, lo)
            yield (a, lo + mp.mpf("0.5"))


def as_double(v):
    """The decimal value rounded to the nearest double, as the tests will read it, so that every
    reference is for exactly the input the Rust code sees."""
    return mp.mpf(float(mp.mpf(v)))


def a_p_abandon(load, agents, ratio):
    """P(abandon) alone, at 60 digits (for the searches below)."""
    with mp.workdps(mp.mp.dps + 40):
        a, n = mp.mpf(load), mp.mpf(agents)
        x, y = n * ratio, a * ratio
        s0 = x * big_l(x, y)
        served = (x / y) * (s0 - 1)
        return (s0 - served) / (reciprocal_b_ref(n, a) - 1 + s0)


def a_cases():
    """(load, agents, aht, patience, target) of the Erlang A references."""
    cases = []
    # The earlier grid: loads 0.5 - 1000, occupancy 0.7 - 1.2, patience 0.5 - 10 AHT.
    for load in ["0.5", "10", "100", "1000"]:
        for rho in ["0.7", "0.95", "1.0", "1.2"]:
            for ratio in ["0.5", "2", "10"]:
                load_v = mp.mpf(load)
                agents = max(1, int(mp.nint(load_v / mp.mpf(rho))))
                cases.append((load_v, agents, 180, 180 * mp.mpf(ratio), 20))
    # Fractional agents and patience equal to the handling time.
    cases.append((mp.mpf(10), mp.mpf("11.5"), 240, 120, 30))
    cases.append((mp.mpf(10), 11, 240, 240, 30))
    cases.append((mp.mpf(50), 40, 300, 60, 10))
    for load, agents, ratio in [(10_000, 10_100, "2"), (10_000, 9_000, "0.5"),
                                (10_000, 10_500, "10"), (100_000, 99_000, "1.5"),
                                (100_000, 100_300, "3")]:
        cases.append((mp.mpf(load), agents, 180, 180 * mp.mpf(ratio), 20))
    # The full grid: 1 to 1,000,000 agents; load per agent 0.5 to 0.9999, 1 and beyond (Erlang A
    # is stable with fewer agents than the load); patience 1/4, 2 and 10 times the AHT (ratios
    # exact in binary, so that x = N patience / AHT and y = A patience / AHT are exact doubles);
    # answer-time targets 5, 20 and 60 s.
    agents_grid = [1, 2, 5, 10, 30, 100, 300, 1000, 3000, 10_000, 30_000, 100_000, 300_000,
                   1_000_000]
    loads_per_agent = ["0.5", "0.9", "0.99", "0.999", "0.9999", "1", "1.1", "2"]
    i = 0
    for n in agents_grid:
        for rho in loads_per_agent:
            for ratio in ["0.25", "2", "10"]:
                target = [20, 60, 5][i % 3]
                i += 1
                cases.append((mp.mpf(rho) * n, n, 180, 180 * mp.mpf(ratio), target))
    # Fractional agents across the range.
    for n in ["0.5", "1.5", "7.25", "99.5", "1000.75", "50000.5", "999999.5"]:
        for rho in ["0.9", "1.05"]:
            cases.append((mp.mpf(rho) * mp.mpf(n), mp.mpf(n), 180, 360, 20))
    # Large centers with targets of a second or less, where the service levels lie well inside
    # (0, 1) and both the late-part and the direct evaluations matter.
    for load, n, patience, target in [("999900", 1_000_000, 360, "0.1"),
                                      ("999900", 1_000_000, 1800, "0.3"),
                                      ("1000000", 1_000_000, 45, "0.05"),
                                      ("1010000", 1_000_000, 360, "0.5"),
                                      ("299970", 300_000, 1800, "1"),
                                      ("499000", 500_000, 45, "2"),
                                      ("999000", 1_000_000, 45, "60")]:
        cases.append((mp.mpf(load), n, 180, patience, as_double(target)))
    # Probabilities down to the smallest normal double. Agents above the load: the fewest agents
    # whose P(abandon) (the smallest measure there) is below 1e-300 or 1e-306, minus one.
    for load in ["0.5", "5", "50", "500", "5000", "50000", "500000"]:
        load = as_double(load)
        for goal in [mp.mpf("1e-300"), mp.mpf("1e-306")]:
            lo = hi = max(1, int(load))
            while a_p_abandon(load, hi, 2) > goal:
                hi *= 2
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if a_p_abandon(load, mid, 2) > goal:
                    lo = mid
                else:
                    hi = mid
            cases.append((load, lo, 180, 360, 20))
    # Agents far below the load: the most agents whose service level (answered within the target
    # over offered, the smallest measure there) is below 1e-300 or 1e-306, plus one.
    for load in ["500", "5000", "50000", "500000"]:
        load = as_double(load)
        for ratio, goal in [(mp.mpf("0.25"), mp.mpf("1e-300")), (mp.mpf(2), mp.mpf("1e-306"))]:
            def sl(n):
                return erlang_a_at(load, n, 180, 180 * ratio, 20)["service_level"]
            lo, hi = 1, int(load)
            if sl(lo) >= goal:
                continue
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if sl(mid) < goal:
                    lo = mid
                else:
                    hi = mid
            cases.append((load, hi, 180, 180 * ratio, 20))
    return [(as_double(load), agents, aht, patience, target)
            for load, agents, aht, patience, target in cases]


def a_row(case):
    load, agents, aht, patience, target = case
    started = time.time()
    r = erlang_a(load, agents, aht, patience, target)
    row = ("a," + ",".join(fmt(mp.mpf(v)) for v in (load, agents, aht, patience, target)) + ","
           + ",".join(fmt(r[k]) for k in A_MEASURES))
    print(f"{time.time() - started:7.2f}s {row}", file=sys.stderr, flush=True)
    return row


def main():
    started = time.time()
    rows = []
    for a, n in b_cases():
        rows.append(f"b,{fmt(a)},{fmt(mp.mpf(n))},{fmt(erlang_b(n, a))}")
        if n > a:
            rows.append(f"c,{fmt(a)},{fmt(mp.mpf(n))},{fmt(erlang_c(n, a))}")
    print(f"Erlang B and C: {time.time() - started:.1f}s", file=sys.stderr)
    cases = a_cases()
    print(f"{len(cases)} Erlang A cases chosen: {time.time() - started:.1f}s", file=sys.stderr)
    # Largest first, so that the two workers finish together.
    order = sorted(range(len(cases)), key=lambda i: -float(cases[i][1]))
    with multiprocessing.Pool(int(os.environ.get("JOBS", "2"))) as pool:
        done = pool.map(a_row, [cases[i] for i in order], chunksize=1)
    a_rows = [None] * len(cases)
    for i, row in zip(order, done):
        a_rows[i] = row
    rows += a_rows
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write("# Generated by scripts/gen_references.py with mpmath %s at %d digits; do not edit.\n"
                % (mp.__version__, mp.mp.dps))
        f.write("\n".join(rows) + "\n")
    print(f"wrote {len(rows)} rows to {OUT} in {time.time() - started:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
