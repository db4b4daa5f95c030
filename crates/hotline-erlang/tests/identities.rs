//! Identities between the models, limits, monotonicity and range invariants.

use hotline_erlang::{ErlangA, ErlangB, ErlangC, erlang_b};
use proptest::prelude::*;

fn close(got: f64, want: f64, tolerance: f64) -> bool {
    (got - want).abs() <= tolerance * want.abs()
}

/// Poisson(a) probabilities P(K = k) for k = 0..=limit, by the recursion from the mode downward
/// and upward (plain f64, fine for the moderate loads used here).
fn poisson(a: f64, limit: usize) -> Vec<f64> {
    let mut p = vec![0.0; limit + 1];
    p[0] = (-a).exp();
    for k in 1..=limit {
        p[k] = p[k - 1] * a / k as f64;
    }
    p
}

#[test]
fn erlang_a_with_patience_equal_to_aht_is_m_m_infinity() {
    // With θ = μ every caller in the system, waiting or served, leaves at rate μ: the number in
    // the system is Poisson(a). Waiting = finding at least N; abandonment rate θ E[(K - N)+].
    for &(load, agents) in &[(10.0, 8.0), (10.0, 12.0), (50.0, 45.0), (50.0, 60.0), (3.0, 1.0)] {
        let aht = 200.0;
        let a = ErlangA::new(load, agents, aht, aht).unwrap();
        let p = poisson(load, 400);
        let n = agents as usize;
        let p_wait: f64 = p[n..].iter().sum();
        let excess: f64 = p[n..].iter().enumerate().map(|(j, q)| j as f64 * q).sum();
        assert!(close(a.p_wait(), p_wait, 1e-12), "{load} {agents}: {} vs {p_wait}", a.p_wait());
        assert!(close(a.p_abandon(), excess / load, 1e-12), "{load} {agents}");
    }
}

#[test]
fn erlang_a_tends_to_erlang_c_as_patience_grows() {
    for &(load, agents) in &[(10.0, 12.0), (100.0, 105.0), (1.0, 2.0)] {
        let aht = 180.0;
        let c = ErlangC::new(load, agents, aht).unwrap();
        let mut previous = f64::INFINITY;
        for factor in [1e3, 1e4, 1e5, 1e6] {
            let a = ErlangA::new(load, agents, aht, aht * factor).unwrap();
            let gap = (a.p_wait() - c.p_wait()).abs() / c.p_wait();
            assert!(gap < previous, "gap must shrink");
            previous = gap;
        }
        let a = ErlangA::new(load, agents, aht, aht * 1e6).unwrap();
        assert!(close(a.p_wait(), c.p_wait(), 1e-4), "{load}: {} vs {}", a.p_wait(), c.p_wait());
        assert!(close(a.asa(), c.asa(), 1e-4), "{load}: {} vs {}", a.asa(), c.asa());
        let (sa, sc) = (a.service_level(20.0).unwrap(), c.service_level(20.0).unwrap());
        assert!(close(sa, sc, 1e-4), "{load}: {sa} vs {sc}");
        assert!(a.p_abandon() < 1e-4);
    }
}

#[test]
fn erlang_c_from_erlang_b() {
    for &(load, agents) in &[(1.0, 2.0), (10.0, 11.0), (10.0, 20.0), (500.0, 520.5)] {
        let b = erlang_b(load, agents).unwrap();
        let c = ErlangC::new(load, agents, 1.0).unwrap().p_wait();
        assert!(close(c, agents * b / (agents - load * (1.0 - b)), 1e-13));
        assert!(c > b);
    }
}

#[test]
fn erlang_a_measures_are_consistent() {
    let a = ErlangA::new(20.0, 18.0, 240.0, 120.0).unwrap();
    // Little's law for abandonment: P(ab) = θ E[W].
    assert!(close(a.mean_wait(), a.p_abandon() * 120.0, 1e-14));
    assert!(close(a.p_answered() + a.p_abandon(), 1.0, 1e-14));
    let m = a.metrics(30.0).unwrap();
    assert!(m.service_level < m.service_level_answered);
    assert!(m.service_level <= 1.0 - m.p_wait + m.p_wait);
    // A long target: almost every answered caller is answered within it.
    let late = a.service_level_answered(1e5).unwrap();
    assert!(close(late, 1.0, 1e-12), "{late}");
    // At target 0, the service level is the probability of not waiting.
    assert!(close(a.service_level(0.0).unwrap(), 1.0 - a.p_wait(), 1e-14));
    assert!(close(a.service_level_virtual(0.0).unwrap(), 1.0 - a.p_wait(), 1e-14));
}

#[test]
fn monotone_in_agents() {
    for &load in &[0.01, 0.7, 5.0, 42.0, 833.0, 5000.0] {
        let mut last_b = 2.0;
        let mut last_c = 2.0;
        let start = 0.25;
        let mut agents = start;
        while agents < load * 1.5 + 40.0 {
            let b = erlang_b(load, agents).unwrap();
            assert!(b < last_b || b == 0.0, "B not decreasing at load {load}, agents {agents}");
            last_b = b;
            let c = ErlangC::new(load, agents, 60.0).unwrap().p_wait();
            assert!(c < last_c || c == 1.0 && last_c == 1.0 || c == 0.0, "C at {load}, {agents}");
            last_c = c;
            agents += if load > 100.0 { 7.25 } else { 0.25 };
        }
    }
    // Erlang A: abandonment falls and the service level rises with every agent.
    let mut last = (1.0, 0.0);
    for n in 1..=40 {
        let a = ErlangA::new(25.0, f64::from(n), 300.0, 90.0).unwrap();
        let now = (a.p_abandon(), a.service_level(20.0).unwrap());
        assert!(now.0 < last.0 && now.1 > last.1, "{n}: {now:?} after {last:?}");
        last = now;
    }
}

#[test]
fn monotone_near_a_million_agents() {
    let load = 999_900.0;
    let mut last = 2.0;
    for agents in [999_000.0, 999_899.0, 999_901.0, 1_000_000.0, 1_000_001.0, 1_003_000.0] {
        let b = erlang_b(load, agents).unwrap();
        assert!(b < last, "{agents}");
        last = b;
    }
}

#[test]
fn erlang_a_monotone_near_a_million_agents() {
    // Below, at and above a load of 999,900 erlangs: more agents lower the probability of waiting
    // and of abandoning and raise all three service levels.
    let load = 999_900.0;
    let mut last: Option<hotline_erlang::ErlangAMetrics> = None;
    for agents in [900_000.0, 999_000.0, 999_899.0, 999_900.0, 999_901.0, 1_000_000.0, 1_003_000.0]
    {
        let m = ErlangA::new(load, agents, 180.0, 360.0).unwrap().metrics(20.0).unwrap();
        if let Some(l) = last {
            assert!(m.p_wait < l.p_wait && m.p_abandon < l.p_abandon, "{agents}: {m:?}");
            // Service levels rise strictly until they round to 1.
            for (now, before) in [
                (m.service_level, l.service_level),
                (m.service_level_virtual, l.service_level_virtual),
                (m.service_level_answered, l.service_level_answered),
            ] {
                assert!(now > before || now == 1.0, "{agents}: {m:?} after {l:?}");
            }
        }
        last = Some(m);
    }
}

#[test]
fn tiny_probabilities_fall_through_subnormals_to_a_true_zero() {
    // B(n + 1) / B(n) = a / (n + 1 + a B(n)) ≈ a / (n + 1) when B is tiny.
    let load = 1.0;
    let mut previous = erlang_b(load, 160.0).unwrap();
    assert!(previous > 0.0);
    for n in 161..200 {
        let b = erlang_b(load, f64::from(n)).unwrap();
        if b == 0.0 {
            // Only once the true value is below half the smallest subnormal.
            assert!(previous / f64::from(n) < f64::from_bits(1) * 4.0, "early zero at {n}");
            break;
        }
        if b >= f64::MIN_POSITIVE {
            assert!(close(b / previous, load / f64::from(n), 1e-12), "{n}");
        } else if b > 1e-315 {
            // Subnormals keep fewer digits (here still 30 bits or more).
            assert!(close(b / previous, load / f64::from(n), 1e-8), "{n}: {b:e} / {previous:e}");
        }
        previous = b;
    }
    assert_eq!(erlang_b(1.0, 1e6).unwrap(), 0.0);
    assert_eq!(ErlangC::new(1.0, 1e6, 10.0).unwrap().p_wait(), 0.0);
}

proptest! {
    #[test]
    fn erlang_b_and_c_stay_in_range(ln_load in -7.0f64..14.0, agents in 0.0f64..2e6) {
        let load = ln_load.exp();
        let b = ErlangB::new(load, agents).unwrap().blocking();
        prop_assert!((0.0..=1.0).contains(&b), "B = {b}");
        let c = ErlangC::new(load, agents, 100.0).unwrap();
        let m = c.metrics(20.0).unwrap();
        prop_assert!((0.0..=1.0).contains(&m.p_wait));
        prop_assert!(m.p_wait >= b);
        prop_assert!((0.0..=1.0).contains(&m.service_level));
        prop_assert!(m.asa_s.is_none_or(|x| x.is_finite() && x >= 0.0));
        prop_assert!(m.mean_queue.is_none_or(|x| x.is_finite() && x >= 0.0));
    }

    #[test]
    fn erlang_a_stays_in_range(
        ln_load in -5.0f64..8.0,
        ratio in 0.0f64..2.0,
        aht in 10.0f64..1000.0,
        ln_patience in -3.0f64..3.0,
        target in 0.0f64..600.0,
    ) {
        let load = ln_load.exp();
        let patience = aht * ln_patience.exp();
        let a = ErlangA::new(load, load * ratio, aht, patience).unwrap();
        let m = a.metrics(target).unwrap();
        for p in [m.p_wait, m.p_abandon, m.service_level, m.service_level_answered,
                  m.service_level_virtual, m.occupancy] {
            prop_assert!((0.0..=1.0).contains(&p), "{m:?}");
        }
        prop_assert!(m.p_abandon <= m.p_wait * (1.0 + 1e-12));
        prop_assert!(m.asa_s.is_finite() && m.asa_s >= 0.0);
        prop_assert!(m.mean_wait_s.is_finite() && m.mean_wait_s >= 0.0);
    }
}
