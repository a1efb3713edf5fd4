//! The drift metrics against hand-computed cases and against a second, loop-by-loop
//! implementation of the documented formulas.

use plinth_monitoring_math::binning::{Histogram, compare};
use plinth_monitoring_math::drift::{DriftMetric, drift};

const TOL: f64 = 1e-12;

fn close(got: Option<f64>, want: f64) {
    let got = got.unwrap_or_else(|| panic!("expected {want}, got None"));
    assert!((got - want).abs() < TOL, "expected {want}, got {got}");
}

fn all(expected: &[f64], actual: &[f64]) -> [Option<f64>; 5] {
    DriftMetric::ALL.map(|m| drift(m, expected, actual))
}

#[test]
fn names_parse_and_print_exactly() {
    let names = [
        "psi",
        "kl_divergence",
        "hellinger",
        "dissimilarity",
        "js_divergence",
    ];
    for (metric, name) in DriftMetric::ALL.into_iter().zip(names) {
        assert_eq!(metric.as_str(), name);
        assert_eq!(DriftMetric::parse(name), Some(metric));
    }
    assert_eq!(DriftMetric::parse("PSI"), None);
    assert_eq!(DriftMetric::parse("klDivergence"), None);
    assert_eq!(DriftMetric::parse(""), None);
    assert_eq!(DriftMetric::default(), DriftMetric::Psi);
}

/// e = [1, 3], a = [3, 1]: q = [1/4, 3/4], p = [3/4, 1/4], no bin empty.
#[test]
fn no_empty_bins() {
    let (e, a) = ([1.0, 3.0], [3.0, 1.0]);
    // psi: (3/4 − 1/4)·ln 3 + (1/4 − 3/4)·ln(1/3) = ln 3.
    close(drift(DriftMetric::Psi, &e, &a), 1.0986122886681098);
    // kl: 3/4·ln 3 + 1/4·ln(1/3) = ½·ln 3.
    close(drift(DriftMetric::KlDivergence, &e, &a), 0.5493061443340549);
    // hellinger: sqrt(2·(√3/2 − 1/2)²)/√2 = (√3 − 1)/2.
    close(drift(DriftMetric::Hellinger, &e, &a), 0.3660254037844386);
    // dissimilarity: 1 − (1/4 + 1/4).
    close(drift(DriftMetric::Dissimilarity, &e, &a), 0.5);
    // js: M = [1/2, 1/2]; D(P‖M) = 3/4·ln(3/2) + 1/4·ln(1/2) = 3/4·ln 3 − ln 2 = D(Q‖M).
    close(drift(DriftMetric::JsDivergence, &e, &a), 0.130812035941137);
}

/// e = [2, 0, 2], a = [1, 3, 0]: E = A = 4, bins 1 and 2 empty on one side.
#[test]
fn bins_empty_on_one_side_get_the_plus_one_correction() {
    let (e, a) = ([2.0, 0.0, 2.0], [1.0, 3.0, 0.0]);
    // Bin 0 plain: p = 1/4, q = 1/2. Bin 1 (e = 0): p = 4/5, q = 1/5. Bin 2 (a = 0): p = 1/5,
    // q = 3/5.
    // psi: (−1/4)·ln(1/2) + (3/5)·ln 4 + (−2/5)·ln(1/3) = 1.45·ln 2 + 0.4·ln 3.
    close(drift(DriftMetric::Psi, &e, &a), 1.4445083272791646);
    // kl: 1/4·ln(1/2) + 4/5·ln 4 + 1/5·ln(1/3) = 1.35·ln 2 − 0.2·ln 3.
    close(drift(DriftMetric::KlDivergence, &e, &a), 0.7160262360223042);
    // hellinger, uncorrected: q = [1/2, 0, 1/2], p = [1/4, 3/4, 0]:
    // sqrt((√½ − ½)² + 3/4 + 1/2)/√2.
    close(drift(DriftMetric::Hellinger, &e, &a), 0.8040190354753587);
    // dissimilarity, uncorrected: 1 − (1/4 + 0 + 0).
    close(drift(DriftMetric::Dissimilarity, &e, &a), 0.75);
}

/// The quirk: js applies the smoothed KL to proportions, so a bin with p = 0 < m is corrected
/// with totals 1.
#[test]
fn js_corrects_proportions_not_counts() {
    let (e, a) = ([2.0, 0.0, 2.0], [1.0, 3.0, 0.0]);
    // P = [1/4, 3/4, 0], Q = [1/2, 0, 1/2], M = [3/8, 3/8, 1/4].
    // D(P‖M): 1/4·ln(2/3) + 3/4·ln 2 + [p = 0: (0+1)/2 against (1/4+1)/2] ½·ln(0.5/0.625).
    // D(Q‖M): ½·ln(4/3) + [q = 0: ½ against (3/8+1)/2] ½·ln(0.5/0.6875) + ½·ln 2.
    close(
        drift(DriftMetric::JsDivergence, &e, &a),
        0.31905504684120434,
    );
    // Textbook JS (no correction) would be ½·[1/4·ln(2/3) + 3/4·ln 2 + ½·ln(4/3) + ½·ln 2].
    let textbook = 0.4544543674493905;
    assert!((drift(DriftMetric::JsDivergence, &e, &a).unwrap() - textbook).abs() > 0.1);
    // Disjoint supports: textbook JS is ln 2; the quirk gives ln 2 + ½·ln(0.5/0.75).
    close(
        drift(DriftMetric::JsDivergence, &[0.0, 5.0], &[7.0, 0.0]),
        std::f64::consts::LN_2 + 0.5 * (0.5f64 / 0.75).ln(),
    );
}

#[test]
fn bins_empty_on_both_sides_are_skipped() {
    let plain = all(&[1.0, 3.0], &[3.0, 1.0]);
    let padded = all(&[0.0, 1.0, 0.0, 3.0, 0.0], &[0.0, 3.0, 0.0, 1.0, 0.0]);
    for (p, q) in plain.iter().zip(&padded) {
        close(*q, p.unwrap());
    }
}

#[test]
fn an_empty_side_gives_psi_zero_and_the_others_null() {
    for (e, a) in [
        ([0.0, 0.0], [1.0, 2.0]),
        ([1.0, 2.0], [0.0, 0.0]),
        ([0.0, 0.0], [0.0, 0.0]),
    ] {
        assert_eq!(all(&e, &a), [Some(0.0), None, None, None, None]);
    }
    assert_eq!(all(&[], &[]), [Some(0.0), None, None, None, None]);
}

#[test]
fn identical_distributions_score_zero() {
    // Same shape, different totals, a shared empty bin.
    for score in all(&[2.0, 0.0, 4.0, 6.0], &[1.0, 0.0, 2.0, 3.0]) {
        close(score, 0.0);
    }
}

#[test]
fn bad_input_is_null() {
    for (e, a) in [
        (vec![1.0, 2.0], vec![1.0]),
        (vec![1.0, -1.0], vec![1.0, 1.0]),
        (vec![1.0, f64::NAN], vec![1.0, 1.0]),
        (vec![1.0, 1.0], vec![f64::INFINITY, 1.0]),
    ] {
        assert_eq!(all(&e, &a), [None; 5]);
    }
}

#[test]
fn comparison_scores_its_counts() {
    // Baseline has no missing values, the current window a quarter: the missing bin is added.
    let baseline = Histogram {
        counts: vec![5, 5],
        missing: 0,
    };
    let current = Histogram {
        counts: vec![3, 3],
        missing: 2,
    };
    let comparison = compare(&baseline, &current).unwrap();
    // e = [5, 5, 0], a = [3, 3, 2]: bins 0 and 1 plain (p = 3/8, q = 1/2), bin 2 corrected
    // (p = 3/9, q = 1/11): 2·(−1/8)·ln(3/4) + (1/3 − 1/11)·ln(11/3).
    close(comparison.drift(DriftMetric::Psi), 0.38689821123543267);
}

// ---- A second implementation, written as plain loops over the documented table. ----

fn reference(metric: DriftMetric, e: &[f64], a: &[f64]) -> Option<f64> {
    let mut big_e = 0.0;
    let mut big_a = 0.0;
    for i in 0..e.len() {
        big_e += e[i];
        big_a += a[i];
    }
    if big_e == 0.0 || big_a == 0.0 {
        return if metric == DriftMetric::Psi {
            Some(0.0)
        } else {
            None
        };
    }
    let mut q = vec![0.0; e.len()];
    let mut p = vec![0.0; e.len()];
    for i in 0..e.len() {
        q[i] = e[i] / big_e;
        p[i] = a[i] / big_a;
    }
    let out = match metric {
        DriftMetric::Psi | DriftMetric::KlDivergence => {
            let mut sum = 0.0;
            for i in 0..e.len() {
                if e[i] == 0.0 && a[i] == 0.0 {
                    continue;
                }
                let (pi, qi) = if e[i] == 0.0 || a[i] == 0.0 {
                    ((a[i] + 1.0) / (big_a + 1.0), (e[i] + 1.0) / (big_e + 1.0))
                } else {
                    (p[i], q[i])
                };
                let w = if metric == DriftMetric::Psi {
                    pi - qi
                } else {
                    pi
                };
                sum += w * (pi / qi).ln();
            }
            sum
        }
        DriftMetric::Hellinger => {
            let mut sum = 0.0;
            for i in 0..e.len() {
                let d = q[i].sqrt() - p[i].sqrt();
                sum += d * d;
            }
            (sum / 2.0).sqrt()
        }
        DriftMetric::Dissimilarity => {
            let mut sum = 0.0;
            for i in 0..e.len() {
                sum += if p[i] < q[i] { p[i] } else { q[i] };
            }
            f64::max(1.0 - sum, 0.0)
        }
        DriftMetric::JsDivergence => {
            // Smoothed KL with totals exactly 1, written out for each side.
            let mut half_sums = [0.0, 0.0];
            for (side, x) in [&p, &q].into_iter().enumerate() {
                for i in 0..e.len() {
                    let m = (p[i] + q[i]) / 2.0;
                    if x[i] == 0.0 && m == 0.0 {
                        continue;
                    }
                    let (xi, mi) = if x[i] == 0.0 || m == 0.0 {
                        ((x[i] + 1.0) / 2.0, (m + 1.0) / 2.0)
                    } else {
                        (x[i], m)
                    };
                    half_sums[side] += xi * (xi / mi).ln();
                }
            }
            (half_sums[0] + half_sums[1]) / 2.0
        }
    };
    Some(out)
}

/// A small deterministic generator (64-bit LCG), so the cases are the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound
    }
}

#[test]
fn matches_the_loop_reference_on_generated_histograms() {
    let mut rng = Lcg(42);
    let mut with_one_sided_zero = 0;
    for _ in 0..500 {
        let bins = 1 + rng.next(14) as usize;
        let mut e = Vec::with_capacity(bins);
        let mut a = Vec::with_capacity(bins);
        for _ in 0..bins {
            // Zeros are frequent, so every branch of the zero handling is exercised.
            let ei = if rng.next(3) == 0 { 0 } else { rng.next(1000) };
            let ai = if rng.next(3) == 0 { 0 } else { rng.next(1000) };
            with_one_sided_zero += usize::from((ei == 0) != (ai == 0));
            e.push(ei as f64);
            a.push(ai as f64);
        }
        for metric in DriftMetric::ALL {
            let (got, want) = (drift(metric, &e, &a), reference(metric, &e, &a));
            match (got, want) {
                (Some(g), Some(w)) => {
                    assert!(
                        (g - w).abs() < 1e-9,
                        "{metric:?} e={e:?} a={a:?}: {g} vs {w}"
                    )
                }
                _ => assert_eq!(got, want, "{metric:?} e={e:?} a={a:?}"),
            }
        }
    }
    assert!(with_one_sided_zero > 100);
}
