//! Numeric and categorical bins, histograms and the missing-bin rule.

use plinth_monitoring_math::binning::{
    BinCountMismatch, CATEGORY_LIMIT, CategoricalBins, Histogram, NUMERIC_BIN_COUNT, NumericBins,
    compare, nudge_max,
};

/// Bins of the baseline 0, 1, …, 10: min 0, nudged max 10 + 1e-9 + 1e-23.
fn zero_to_ten() -> NumericBins {
    let values: Vec<f64> = (0..=10).map(f64::from).collect();
    NumericBins::from_baseline(&values).unwrap()
}

#[test]
fn the_max_is_nudged_by_the_documented_amount() {
    assert_eq!(nudge_max(10.0), 10.0 + 1e-9 + 1e-23);
    assert_eq!(nudge_max(-10.0), -10.0 + 1e-9 + 1e-23);
    assert_eq!(nudge_max(0.0), 1e-23);
    let bins = zero_to_ten();
    assert_eq!(bins.min(), 0.0);
    assert_eq!(bins.max_nudged(), 10.000000001);
    assert!(bins.max_nudged() > 10.0);
}

#[test]
fn twelve_bins_with_equal_width_edges() {
    let bins = zero_to_ten();
    assert_eq!(bins.bin_count(), 12);
    let edges = bins.edges();
    assert_eq!(edges.len(), 11);
    assert_eq!(edges[0], 0.0);
    assert_eq!(edges[10], bins.max_nudged());
    for (i, pair) in edges.windows(2).enumerate() {
        let width = pair[1] - pair[0];
        assert!(
            (width - 1.0000000001).abs() < 1e-12,
            "bin {i} width {width}"
        );
    }
}

#[test]
fn values_on_and_around_the_edges() {
    let bins = zero_to_ten();
    let edges = bins.edges();
    assert_eq!(bins.bin_of(-0.1), Some(0), "below min: underflow");
    assert_eq!(bins.bin_of(f64::NEG_INFINITY), Some(0));
    assert_eq!(
        bins.bin_of(0.0),
        Some(1),
        "equal to min: the first equal-width bin"
    );
    assert_eq!(
        bins.bin_of(1.0),
        Some(1),
        "1 < the first upper edge 1.0000000001"
    );
    assert_eq!(bins.bin_of(edges[1]), Some(2), "an edge opens the next bin");
    assert_eq!(bins.bin_of(5.0), Some(5));
    assert_eq!(
        bins.bin_of(10.0),
        Some(10),
        "the baseline max: the last equal-width bin"
    );
    assert_eq!(
        bins.bin_of(bins.max_nudged()),
        Some(11),
        "equal to the nudged max: overflow"
    );
    assert_eq!(bins.bin_of(1e9), Some(11));
    assert_eq!(bins.bin_of(f64::INFINITY), Some(11));
    assert_eq!(bins.bin_of(f64::NAN), None, "NaN is missing");
}

#[test]
fn the_baseline_lands_inside() {
    let values: Vec<f64> = (0..=10)
        .map(f64::from)
        .chain([f64::NAN, -3.0, 20.0])
        .collect();
    let histogram = zero_to_ten().histogram(&values);
    // 0 and 1 share bin 1 (its upper edge is 1.0000000001); 2..=10 one each in bins 2..=10.
    assert_eq!(histogram.counts, vec![1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    assert_eq!(histogram.missing, 1);
}

#[test]
fn labels_read_the_edges() {
    let bins = zero_to_ten();
    let labels = bins.labels();
    assert_eq!(labels.len(), NUMERIC_BIN_COUNT);
    assert_eq!(labels[0], "< 0");
    assert_eq!(labels[1], "0 - 1.0000000001");
    assert_eq!(labels[11], "10.000000001+");
    let edges = bins.edges();
    for i in 1..=10 {
        assert_eq!(labels[i], format!("{} - {}", edges[i - 1], edges[i]));
    }
}

#[test]
fn non_finite_baseline_values_are_ignored() {
    let bins = NumericBins::from_baseline(&[f64::NAN, 2.0, f64::INFINITY, 1.0]).unwrap();
    assert_eq!(bins.to_edges(), [1.0, nudge_max(2.0)]);
    assert_eq!(NumericBins::from_baseline(&[]), None);
    assert_eq!(
        NumericBins::from_baseline(&[f64::NAN, f64::NEG_INFINITY]),
        None
    );
    assert_eq!(
        NumericBins::from_baseline(&[f64::MAX]),
        None,
        "the nudge overflows"
    );
}

#[test]
fn a_degenerate_baseline_still_bins() {
    let bins = NumericBins::from_baseline(&[3.0, 3.0, 3.0]).unwrap();
    assert_eq!(bins.min(), 3.0);
    assert_eq!(bins.max_nudged(), 3.0 + 3e-10 + 1e-23);
    assert_eq!(bins.bin_of(3.0), Some(1));
    assert_eq!(bins.bin_of(2.999), Some(0));
    assert_eq!(bins.bin_of(3.001), Some(11));
    assert_eq!(
        bins.histogram(&[3.0, 3.0, 3.0]).counts,
        [0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(bins.labels().len(), 12);

    // A single zero: the inner bins span [0, 1e-23).
    let zero = NumericBins::from_baseline(&[0.0]).unwrap();
    assert_eq!(zero.max_nudged(), 1e-23);
    assert_eq!(zero.bin_of(0.0), Some(1));
    assert_eq!(zero.bin_of(-0.0), Some(1));
    assert_eq!(zero.bin_of(1e-23), Some(11));
    assert_eq!(zero.bin_of(-1e-300), Some(0));
}

#[test]
fn stored_edges_rebuild_the_same_bins() {
    let bins = NumericBins::from_baseline(&[-2.5, 7.125, 0.3]).unwrap();
    let [min, max] = bins.to_edges();
    assert_eq!(NumericBins::from_edges(min, max), Some(bins));
    // Through text, as a store might keep them.
    let text = format!("{min} {max}");
    let parsed: Vec<f64> = text.split(' ').map(|s| s.parse().unwrap()).collect();
    let reloaded = NumericBins::from_edges(parsed[0], parsed[1]).unwrap();
    assert_eq!(reloaded, bins);
    assert_eq!(reloaded.edges(), bins.edges());

    assert_eq!(NumericBins::from_edges(1.0, 1.0), None);
    assert_eq!(NumericBins::from_edges(2.0, 1.0), None);
    assert_eq!(NumericBins::from_edges(f64::NAN, 1.0), None);
    assert_eq!(NumericBins::from_edges(0.0, f64::INFINITY), None);
}

#[test]
fn categories_sorted_with_an_oov_bin() {
    let bins = CategoricalBins::from_baseline(["pear", "apple", "fig", "apple"]);
    assert_eq!(bins.categories(), ["apple", "fig", "pear"]);
    assert_eq!(bins.labels(), ["apple", "fig", "pear", "__oov__"]);
    assert_eq!(bins.bin_count(), 4);
    assert_eq!(bins.bin_of("apple"), 0);
    assert_eq!(bins.bin_of("pear"), 2);
    assert_eq!(bins.bin_of("kiwi"), 3);
    assert_eq!(bins.bin_of("Apple"), 3, "categories are exact strings");
    assert_eq!(bins.oov_bin(), 3);

    let histogram = bins.histogram([Some("fig"), Some("kiwi"), None, Some("fig"), Some("plum")]);
    assert_eq!(
        histogram,
        Histogram {
            counts: vec![0, 2, 0, 2],
            missing: 1
        }
    );
}

#[test]
fn stored_categories_rebuild_the_same_bins() {
    let bins = CategoricalBins::from_baseline(["b", "a", "c"]);
    let stored: Vec<String> = bins.categories().to_vec();
    assert_eq!(CategoricalBins::from_categories(stored), bins);
    let messy = ["c", "a", "b", "a"].map(String::from).to_vec();
    assert_eq!(CategoricalBins::from_categories(messy), bins);
    // An empty baseline: just the OOV bin.
    let empty = CategoricalBins::from_categories(Vec::new());
    assert_eq!(empty.bin_of("x"), 0);
    assert_eq!(empty.labels(), ["__oov__"]);
}

#[test]
fn categories_are_capped_at_the_most_frequent_with_deterministic_ties() {
    // "z" seen 5 times, then 10,000 categories seen once: 10,001 in all, one too many.
    let singles: Vec<(String, u64)> = (0..CATEGORY_LIMIT)
        .map(|i| (format!("c{i:05}"), 1))
        .collect();
    let mut counts = singles.clone();
    counts.push(("z".to_owned(), 5));
    let bins = CategoricalBins::from_counts(counts.clone());
    assert_eq!(bins.categories().len(), CATEGORY_LIMIT);
    // The most frequent stays; among the ties the largest string ("c09999") goes.
    assert_eq!(bins.bin_of("z"), CATEGORY_LIMIT - 1);
    assert_eq!(bins.bin_of("c00000"), 0);
    assert_eq!(bins.bin_of("c09998"), CATEGORY_LIMIT - 2);
    assert_eq!(bins.bin_of("c09999"), bins.oov_bin());
    // Input order does not matter.
    counts.reverse();
    assert_eq!(CategoricalBins::from_counts(counts), bins);
    // Counting raw strings gives the same.
    let mut raw: Vec<&str> = singles.iter().map(|(c, _)| c.as_str()).collect();
    raw.extend(["z"; 5]);
    assert_eq!(CategoricalBins::from_baseline(raw), bins);
}

#[test]
fn histograms_add_up() {
    let mut total = Histogram::new(3);
    total
        .merge(&Histogram {
            counts: vec![1, 0, 2],
            missing: 1,
        })
        .unwrap();
    total
        .merge(&Histogram {
            counts: vec![0, 4, 1],
            missing: 0,
        })
        .unwrap();
    assert_eq!(
        total,
        Histogram {
            counts: vec![1, 4, 3],
            missing: 1
        }
    );
    assert_eq!(total.non_missing(), 8);
    assert_eq!(total.total(), 9);
    let err = total.merge(&Histogram::new(2)).unwrap_err();
    assert_eq!(err, BinCountMismatch { left: 3, right: 2 });
    assert_eq!(
        total,
        Histogram {
            counts: vec![1, 4, 3],
            missing: 1
        },
        "unchanged on error"
    );
    assert_eq!(Histogram::new(2).missing_ratio(), 0.0);
}

#[test]
fn missing_bin_added_when_the_current_window_misses_more() {
    // Baseline 0% missing, current 2/8 = 25%.
    let baseline = Histogram {
        counts: vec![5, 5],
        missing: 0,
    };
    let current = Histogram {
        counts: vec![3, 3],
        missing: 2,
    };
    let c = compare(&baseline, &current).unwrap();
    assert!(c.missing_bin);
    assert_eq!(c.expected, [5, 5, 0]);
    assert_eq!(c.actual, [3, 3, 2]);
    assert_eq!(c.baseline_sample_size, 10);
    assert_eq!(
        c.sample_size, 8,
        "the missing values count in the sample size"
    );

    // Baseline 1/11 missing, current 1/10: barely more, still added.
    let baseline = Histogram {
        counts: vec![6, 4],
        missing: 1,
    };
    let current = Histogram {
        counts: vec![4, 5],
        missing: 1,
    };
    let c = compare(&baseline, &current).unwrap();
    assert_eq!((c.expected, c.actual), (vec![6, 4, 1], vec![4, 5, 1]));
    assert_eq!((c.baseline_sample_size, c.sample_size), (11, 10));
}

#[test]
fn no_missing_bin_when_the_current_window_misses_less_or_the_same() {
    // Baseline 2/10 = 20% missing, current 1/9 ≈ 11%.
    let baseline = Histogram {
        counts: vec![4, 4],
        missing: 2,
    };
    let current = Histogram {
        counts: vec![4, 4],
        missing: 1,
    };
    let c = compare(&baseline, &current).unwrap();
    assert!(!c.missing_bin);
    assert_eq!((c.expected, c.actual), (vec![4, 4], vec![4, 4]));
    assert_eq!(
        (c.baseline_sample_size, c.sample_size),
        (8, 8),
        "missing values left out"
    );

    // Equal ratios (20% each): not greater, no bin.
    let current = Histogram {
        counts: vec![2, 2],
        missing: 1,
    };
    let c = compare(&baseline, &current).unwrap();
    assert!(!c.missing_bin);
    assert_eq!((c.baseline_sample_size, c.sample_size), (8, 4));
}

#[test]
fn missing_bin_edge_cases() {
    // An empty baseline has ratio 0, so any missing current value adds the bin.
    let c = compare(
        &Histogram::new(2),
        &Histogram {
            counts: vec![1, 0],
            missing: 1,
        },
    )
    .unwrap();
    assert!(c.missing_bin);
    assert_eq!((c.baseline_sample_size, c.sample_size), (0, 2));
    // An empty current window never does.
    let c = compare(
        &Histogram {
            counts: vec![1, 0],
            missing: 0,
        },
        &Histogram::new(2),
    )
    .unwrap();
    assert!(!c.missing_bin);
    // Different bins cannot be compared.
    assert_eq!(compare(&Histogram::new(2), &Histogram::new(3)), None);
}
