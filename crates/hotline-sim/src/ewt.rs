//! Accuracy of wait estimates caller by caller, from the records of
//! [`run_replication_with_records`](crate::run_replication_with_records): each method is given
//! the [`QueueLoad`] a waiting caller's arrival showed the engine, and its estimate is compared
//! with the wait the caller then had.
//!
//! Two yardsticks: the root average squared error (RASE, as Ibrahim and Whitt (2009) rank delay
//! estimators) and the share of callers whose estimate was within ±25% of their wait. Only
//! answered callers count (an abandoned caller's wait is its patience, not its delay), and a
//! method that gives no estimate misses the ±25% band and is left out of the RASE.

use std::collections::BTreeMap;

use hotline_acd::{QueueLoad, WaitEstimator};
use serde::Serialize;

use crate::CallRecord;

/// How accurate one method was over a set of callers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Accuracy {
    /// The method's name.
    pub method: String,
    /// Answered callers considered.
    pub callers: usize,
    /// Of these, callers the method gave an estimate.
    pub estimated: usize,
    /// Mean wait of the callers considered, seconds.
    pub mean_wait_s: f64,
    /// Root average squared error over the estimated callers, seconds (`NaN` with none).
    pub rase_s: f64,
    /// Share of the callers considered whose estimate was within ±25% of their wait.
    pub within_25: f64,
}

impl Accuracy {
    /// RASE relative to the mean wait.
    pub fn relative_rase(&self) -> f64 {
        self.rase_s / self.mean_wait_s
    }
}

/// Queue-position bands for [`accuracy_by_position`]: 1, 2, 3–4, 5–8, … , 129 and deeper.
pub const POSITION_BANDS: [(usize, usize); 9] =
    [(1, 1), (2, 2), (3, 4), (5, 8), (9, 16), (17, 32), (33, 64), (65, 128), (129, usize::MAX)];

/// Whether `estimate` is within ±25% of `wait`.
pub fn within_25(estimate: f64, wait: f64) -> bool {
    (estimate - wait).abs() <= 0.25 * wait
}

/// The answered callers among `records` that `keep` selects, with their load at arrival.
fn answered<'a>(
    records: &'a [CallRecord],
    keep: &'a dyn Fn(&CallRecord) -> bool,
) -> impl Iterator<Item = (&'a CallRecord, QueueLoad)> + 'a {
    records
        .iter()
        .filter(move |r| r.answered && r.wait_s.is_finite() && keep(r))
        .filter_map(|r| r.load.map(|l| (r, l)))
}

/// The accuracy of the estimates `estimate` gives from each caller's load (seconds, `None`: no
/// estimate), over the answered callers `keep` selects.
pub fn accuracy_of(
    method: &str,
    records: &[CallRecord],
    keep: &dyn Fn(&CallRecord) -> bool,
    estimate: &dyn Fn(&QueueLoad) -> Option<f64>,
) -> Accuracy {
    let (mut callers, mut estimated, mut hits) = (0usize, 0usize, 0usize);
    let (mut wait_sum, mut sq_sum) = (0.0, 0.0);
    for (r, load) in answered(records, keep) {
        callers += 1;
        wait_sum += r.wait_s;
        if let Some(e) = estimate(&load) {
            estimated += 1;
            sq_sum += (e - r.wait_s).powi(2);
            hits += usize::from(within_25(e, r.wait_s));
        }
    }
    Accuracy {
        method: method.to_owned(),
        callers,
        estimated,
        mean_wait_s: wait_sum / callers.max(1) as f64,
        rase_s: if estimated == 0 { f64::NAN } else { (sq_sum / estimated as f64).sqrt() },
        within_25: hits as f64 / callers.max(1) as f64,
    }
}

/// The accuracy of `method`'s estimates at arrival over the answered callers `keep` selects.
pub fn accuracy(
    records: &[CallRecord],
    method: &dyn WaitEstimator,
    keep: &dyn Fn(&CallRecord) -> bool,
) -> Accuracy {
    accuracy_of(method.name(), records, keep, &|l| method.estimate(l).map(|d| d.as_secs_f64()))
}

/// Calls ahead that must leave before a caller is answered (position less ready agents).
pub fn departures_ahead(load: &QueueLoad) -> usize {
    load.position.saturating_sub(load.ready)
}

/// The position oracle: each caller is given the mean wait of all answered callers of `records`
/// who arrived with as many departures ahead. No estimate from the position alone has a lower
/// RASE over these records (the conditional mean minimises squared error); it is fitted to the
/// same records, so it is a bound to measure methods against, not a method.
pub fn position_oracle(records: &[CallRecord], keep: &dyn Fn(&CallRecord) -> bool) -> Accuracy {
    let mut by_ahead: BTreeMap<usize, (f64, f64)> = BTreeMap::new();
    for (r, load) in answered(records, &|_| true) {
        let e = by_ahead.entry(departures_ahead(&load)).or_default();
        e.0 += r.wait_s;
        e.1 += 1.0;
    }
    accuracy_of("position oracle", records, keep, &|l| {
        by_ahead.get(&departures_ahead(l)).map(|&(sum, n)| sum / n)
    })
}

/// The position band oracle: each caller is given, for its number of departures ahead, the single
/// estimate that puts the most of the callers `keep` selects with that many departures ahead
/// within ±25% of their waits. No estimate from the position alone has a larger ±25% share over
/// these callers; like [`position_oracle`] it is fitted to the same records, a bound and not a
/// method. (An estimate e is within ±25% of a wait w when 0.75·w ≤ e ≤ 1.25·w: the best e for a
/// set of waits is where most of these intervals overlap.)
pub fn position_band_oracle(
    records: &[CallRecord],
    keep: &dyn Fn(&CallRecord) -> bool,
) -> Accuracy {
    let best = position_band_estimates(records, keep);
    accuracy_of("position band oracle", records, keep, &|l| best.get(&departures_ahead(l)).copied())
}

/// For each number of departures ahead, the single estimate (seconds) that puts the most of the
/// answered callers `keep` selects with that many departures ahead within ±25% of their waits:
/// what [`position_band_oracle`] gives them.
pub fn position_band_estimates(
    records: &[CallRecord],
    keep: &dyn Fn(&CallRecord) -> bool,
) -> BTreeMap<usize, f64> {
    let mut by_ahead: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
    for (r, load) in answered(records, keep) {
        by_ahead.entry(departures_ahead(&load)).or_default().push(r.wait_s);
    }
    by_ahead.into_iter().map(|(ahead, waits)| (ahead, most_within_25(&waits))).collect()
}

/// The position band estimate measured out of sample: the callers of even replications are given
/// the [`position_band_estimates`] fitted to the odd replications, and those of odd replications
/// the ones fitted to the even replications (a caller whose number of departures ahead the other
/// half never saw gets no estimate). Unlike [`position_band_oracle`], which is fitted to the
/// callers it is measured on and so overstates what the position can give, this is an estimate
/// made at arrival from other callers' waits: a share any bound must reach.
pub fn position_band_cross_validated(
    records: &[CallRecord],
    keep: &dyn Fn(&CallRecord) -> bool,
) -> Accuracy {
    let half = |parity: u64| -> Vec<CallRecord> {
        records.iter().filter(|r| r.replication % 2 == parity).copied().collect()
    };
    let (even, odd) = (half(0), half(1));
    let (from_even, from_odd) =
        (position_band_estimates(&even, keep), position_band_estimates(&odd, keep));
    let name = "position band, cross-validated";
    let on_even = accuracy_of(name, &even, keep, &|l| from_odd.get(&departures_ahead(l)).copied());
    let on_odd = accuracy_of(name, &odd, keep, &|l| from_even.get(&departures_ahead(l)).copied());
    pooled(&on_even, &on_odd)
}

/// Two [`Accuracy`] figures of one method over disjoint sets of callers, pooled.
fn pooled(a: &Accuracy, b: &Accuracy) -> Accuracy {
    let callers = a.callers + b.callers;
    let estimated = a.estimated + b.estimated;
    let sum = |f: &dyn Fn(&Accuracy) -> f64| f(a) + f(b);
    let squares =
        sum(&|x| if x.estimated == 0 { 0.0 } else { x.rase_s.powi(2) * x.estimated as f64 });
    Accuracy {
        method: a.method.clone(),
        callers,
        estimated,
        mean_wait_s: sum(&|x| x.mean_wait_s * x.callers as f64) / callers.max(1) as f64,
        rase_s: if estimated == 0 { f64::NAN } else { (squares / estimated as f64).sqrt() },
        within_25: sum(&|x| x.within_25 * x.callers as f64) / callers.max(1) as f64,
    }
}

/// The estimate within ±25% of the most of `waits` (the left end of the deepest overlap of the
/// intervals [0.75·w, 1.25·w]; an interval's start counts before another's end at the same point,
/// since both ends are inside).
fn most_within_25(waits: &[f64]) -> f64 {
    let mut ends: Vec<(f64, i32)> =
        waits.iter().flat_map(|&w| [(0.75 * w, -1), (1.25 * w, 1)]).collect();
    ends.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let (mut depth, mut best, mut at) = (0i32, 0i32, 0.0);
    for (x, kind) in ends {
        depth -= kind;
        if depth > best {
            (best, at) = (depth, x);
        }
    }
    at
}

/// `method`'s accuracy in each of the [`POSITION_BANDS`] (the caller's position at arrival),
/// bands with no caller left out.
pub fn accuracy_by_position(
    records: &[CallRecord],
    method: &dyn WaitEstimator,
) -> Vec<((usize, usize), Accuracy)> {
    POSITION_BANDS
        .iter()
        .map(|&(lo, hi)| {
            let keep =
                move |r: &CallRecord| r.load.is_some_and(|l| (lo..=hi).contains(&l.position));
            ((lo, hi), accuracy(records, method, &keep))
        })
        .filter(|(_, a)| a.callers > 0)
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use hotline_acd::{LastToEnterServiceEstimator, QueueStateEstimator};

    use crate::Disposition;

    use super::*;

    fn record(position: usize, wait_s: f64, answered: bool) -> CallRecord {
        CallRecord {
            arrival_s: 0.0,
            queue: 0,
            load: Some(QueueLoad {
                position,
                waiting: position,
                serving: 1,
                recent_handle_time: Some(Duration::from_secs(10)),
                last_entered_wait: (position > 1).then(|| Duration::from_secs(20)),
                ..QueueLoad::default()
            }),
            wait_s,
            answered,
            replication: 0,
            call_type: 0,
            disposition: if answered { Disposition::Answered } else { Disposition::Abandoned },
            answered_queue: answered.then_some(0),
            agent: None,
            group: None,
            handle_s: None,
        }
    }

    #[test]
    fn rase_and_band_count_answered_callers() {
        // Queue-state says 10 s a position: 10, 20, 30 against waits 12, 30, 30 (and an
        // abandoned caller that does not count).
        let records = [
            record(1, 12.0, true),
            record(2, 30.0, true),
            record(3, 30.0, true),
            record(3, 1.0, false),
        ];
        let a = accuracy(&records, &QueueStateEstimator, &|_| true);
        assert_eq!((a.callers, a.estimated), (3, 3));
        assert!((a.rase_s - ((4.0 + 100.0 + 0.0) / 3.0_f64).sqrt()).abs() < 1e-9, "{a:?}");
        assert!((a.within_25 - 2.0 / 3.0).abs() < 1e-12);
        assert!((a.mean_wait_s - 24.0).abs() < 1e-12);
        // LES has nothing for the first caller: a miss, left out of the RASE.
        let les = accuracy(&records, &LastToEnterServiceEstimator, &|_| true);
        assert_eq!((les.callers, les.estimated), (3, 2));
        assert!((les.rase_s - ((100.0 + 100.0) / 2.0_f64).sqrt()).abs() < 1e-9);
        let bands = accuracy_by_position(&records, &QueueStateEstimator);
        assert_eq!(
            bands.iter().map(|b| (b.0, b.1.callers)).collect::<Vec<_>>(),
            [((1, 1), 1), ((2, 2), 1), ((3, 4), 1)]
        );
        let oracle = position_oracle(&records, &|_| true);
        assert_eq!(oracle.rase_s, 0.0);
    }

    #[test]
    fn the_band_oracle_puts_the_most_waits_within_25_percent() {
        // 8, 10 and 12 share [9, 10]; 30 is alone: 3 of 4 for any estimate in [9, 10].
        assert_eq!(most_within_25(&[8.0, 10.0, 12.0, 30.0]), 9.0);
        // Touching intervals overlap: [9, 15] and [15, 25].
        assert_eq!(most_within_25(&[12.0, 20.0]), 15.0);
        let records = [
            record(2, 8.0, true),
            record(2, 10.0, true),
            record(2, 12.0, true),
            record(2, 30.0, true),
            record(3, 40.0, true),
        ];
        let band = position_band_oracle(&records, &|_| true);
        assert_eq!((band.callers, band.estimated), (5, 5));
        assert!((band.within_25 - 4.0 / 5.0).abs() < 1e-12, "{band:?}");
        // The position oracle (the mean, 15 s) puts only 12 s and 40 s within ±25%.
        assert!((position_oracle(&records, &|_| true).within_25 - 2.0 / 5.0).abs() < 1e-12);
    }

    #[test]
    fn the_cross_validated_band_estimate_is_fitted_to_the_other_half() {
        let at = |replication: u64, position: usize, wait_s: f64| CallRecord {
            replication,
            ..record(position, wait_s, true)
        };
        // Replication 0 sees waits of 10 s at position 2, replication 1 of 20 s (and a position
        // replication 0 never saw): fitted to the other half, neither is within ±25%.
        let records = [at(0, 2, 10.0), at(0, 2, 10.0), at(1, 2, 20.0), at(1, 3, 30.0)];
        let cv = position_band_cross_validated(&records, &|_| true);
        assert_eq!((cv.callers, cv.estimated), (4, 3), "{cv:?}");
        assert_eq!(cv.within_25, 0.0);
        // The band estimate for waits of 10 s is 7.5 s, for 20 s 15 s: the 10 s waits are given
        // 15 s and the 20 s wait 7.5 s, errors 5, 5 and 12.5 s.
        let rase = ((5.0_f64.powi(2) * 2.0 + 12.5_f64.powi(2)) / 3.0).sqrt();
        assert!((cv.rase_s - rase).abs() < 1e-9, "{cv:?} {rase}");
        assert!((cv.mean_wait_s - 17.5).abs() < 1e-12);
        // Fitted to the same callers it puts three of the four within ±25% (both 10 s waits
        // and the 30 s one; no estimate is within ±25% of 10 s and of 20 s).
        assert_eq!(position_band_oracle(&records, &|_| true).within_25, 0.75);
    }
}
