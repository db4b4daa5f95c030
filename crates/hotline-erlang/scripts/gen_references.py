#!/usr/bin/env python3
"""Generates data/references.csv: 50-digit reference values for hotline-erlang's accuracy tests.

Requires mpmath (`pip install mpmath`). Run from anywhere:

    python3 crates/hotline-erlang/scripts/gen_references.py

Every value is computed from first principles with mpmath at 60 significant digits and printed with
25 significant digits, independently of the Rust code's algorithms:

* Erlang B through the incomplete gamma function: 1/B(x, a) = e^a a^-x Gamma(x + 1, a);
* Erlang C from B: C = x B / (x - a (1 - B));
* Erlang A (M/M/N+M) through the Kummer function A(x, y) = 1F1(1; x + 1; y) (as a lower incomplete gamma) for the probability of
  waiting and abandonment, and through numerical integrals over the beta-distributed e^(-theta V)
  (V the virtual wait) for the ASA and the three service levels.

Rows (comma separated, `#` lines are comments):
    b,load,agents,blocking
    c,load,agents,p_wait
    a,load,agents,aht,patience,target,p_wait,p_abandon,asa,service_level,service_level_answered,service_level_virtual
"""

import os
import sys

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


def erlang_a(load, agents, aht, patience, target):
    a, n = mp.mpf(load), mp.mpf(agents)
    mu, theta = 1 / mp.mpf(aht), 1 / mp.mpf(patience)
    lam = a * mu
    x, y = n * mu / theta, lam / theta
    b = erlang_b(n, a)
    # A(x, y) = 1F1(1; x + 1; y) = x e^y y^-x gamma(x, y) (lower incomplete gamma).
    # gamma(x, y) = Gamma(x) - Gamma(x, y), at extra precision against the cancellation.
    if x > y + 5 * mp.sqrt(y) + 10:
        big_a = 1 + lower_scaled(x, y)
    else:
        with mp.workdps(mp.mp.dps + 40):
            big_a = x * mp.exp(y) * y ** (-x) * (mp.gamma(x) - mp.gammainc(x, y))
    # Probability of the state "all agents busy, nobody waiting"; P(W > 0) = pi_n A.
    pi_n = b / (1 + (big_a - 1) * b)
    p_wait = pi_n * big_a
    rho = a / n
    p_ab = (1 / (rho * big_a) + 1 - 1 / rho) * p_wait
    # Y = e^(-theta V) given j callers ahead is Beta(x, j + 1); summing over the queue gives the
    # density pi_n x u^(x-1) e^(y (1 - u)) on (0, 1) for the callers who wait.
    z = mp.exp(-mp.mpf(target) * theta)

    def dens(u, power):
        return u ** power * mp.exp(y * (1 - u))

    split = [0, max(mp.mpf(0), 1 - 60 / x), 1] if x > 60 else [0, 1]

    def integral(f, lo, hi):
        pts = sorted(set([lo, hi] + [p for p in split if lo < p < hi]))
        return mp.quad(f, pts)

    # Callers answered at once, then those who wait and are answered within the target,
    # E[Y; Y >= z] summed over the queue (a direct integral: no cancellation for tiny levels).
    at_once = (1 - b) / (1 + (big_a - 1) * b)
    answered_waited = pi_n * x * integral(lambda u: dens(u, x), 0, 1)
    answered = at_once + answered_waited
    sl = at_once + pi_n * x * integral(lambda u: dens(u, x), z, 1)
    virtual_within = pi_n * x * integral(lambda u: dens(u, x - 1), z, 1)
    wait_answered = pi_n * x / theta * integral(lambda u: -mp.log(u) * dens(u, x), 0, 1)
    return {
        "p_wait": p_wait,
        "p_abandon": p_ab,
        "asa": wait_answered / answered,
        "service_level": sl,
        "service_level_answered": sl / answered,
        "service_level_virtual": at_once + virtual_within,
        # Consistency check: answered + abandoned = 1.
        "_check": answered + p_ab - 1,
    }


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


def a_cases():
    for load in ["0.5", "10", "100", "1000"]:
        for rho in ["0.7", "0.95", "1.0", "1.2"]:
            for ratio in ["0.5", "2", "10"]:
                load_v = mp.mpf(load)
                agents = max(1, int(mp.nint(load_v / mp.mpf(rho))))
                aht = 180
                yield (load_v, agents, aht, aht * mp.mpf(ratio), 20)
    # Fractional agents and patience equal to the handling time.
    yield (mp.mpf(10), mp.mpf("11.5"), 240, 120, 30)
    yield (mp.mpf(10), 11, 240, 240, 30)
    yield (mp.mpf(50), 40, 300, 60, 10)
    # Large centers, above, near and below the load.
    for load, agents, ratio in [(10_000, 10_100, "2"), (10_000, 9_000, "0.5"),
                                (10_000, 10_500, "10"), (100_000, 99_000, "1.5"),
                                (100_000, 100_300, "3")]:
        yield (mp.mpf(load), agents, 180, 180 * mp.mpf(ratio), 20)


def main():
    rows = []
    for a, n in b_cases():
        rows.append(f"b,{fmt(a)},{fmt(mp.mpf(n))},{fmt(erlang_b(n, a))}")
        if n > a:
            rows.append(f"c,{fmt(a)},{fmt(mp.mpf(n))},{fmt(erlang_c(n, a))}")
    for load, agents, aht, patience, target in a_cases():
        r = erlang_a(load, agents, aht, patience, target)
        assert abs(r["_check"]) < mp.mpf("1e-40"), r
        rows.append(
            "a,"
            + ",".join(fmt(mp.mpf(v)) for v in (load, agents, aht, patience, target))
            + ","
            + ",".join(
                fmt(r[k])
                for k in (
                    "p_wait",
                    "p_abandon",
                    "asa",
                    "service_level",
                    "service_level_answered",
                    "service_level_virtual",
                )
            )
        )
        print(rows[-1], file=sys.stderr)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write("# Generated by scripts/gen_references.py with mpmath %s at %d digits; do not edit.\n" % (mp.__version__, mp.mp.dps))
        f.write("\n".join(rows) + "\n")
    print(f"wrote {len(rows)} rows to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
