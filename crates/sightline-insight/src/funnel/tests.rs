use super::*;

const S: i64 = 1_000;

fn spec(steps: usize, window_ms: i64, strict: bool) -> FunnelSpec {
    FunnelSpec {
        steps,
        window_ms,
        strict,
        from: 0,
        to: 1_000 * S,
    }
}

/// Events as (seconds, steps matched); sorted by time then mask, as the stores give them.
fn events(list: &[(i64, &[usize])]) -> (Vec<i64>, Vec<u32>) {
    let mut pairs: Vec<(i64, u32)> = list
        .iter()
        .map(|(t, steps)| (t * S, steps.iter().map(|k| 1u32 << k).sum()))
        .collect();
    pairs.sort_unstable();
    pairs.into_iter().unzip()
}

fn reached(spec: &FunnelSpec, list: &[(i64, &[usize])]) -> usize {
    let (ts, masks) = events(list);
    best_attempt(spec, &ts, &masks).map_or(0, |a| a.reached())
}

#[test]
fn steps_must_come_in_order_within_the_window() {
    let loose = spec(3, 60 * S, false);
    assert_eq!(reached(&loose, &[(0, &[0]), (10, &[1]), (20, &[2])]), 3);
    assert_eq!(
        reached(&loose, &[(0, &[0]), (20, &[2]), (30, &[1])]),
        2,
        "step 3 before step 2 does not count"
    );
    assert_eq!(
        reached(&loose, &[(10, &[1]), (20, &[2])]),
        0,
        "never started"
    );
    // The window's edge: exactly window_ms after the start still counts, one ms later does not.
    let (ts, masks) = (vec![0, 60 * S, 60 * S + 1], vec![1, 2, 4]);
    assert_eq!(
        best_attempt(&loose, &ts, &masks).map(|a| a.reached()),
        Some(2)
    );
    let (ts, masks) = (vec![0, 60 * S + 1], vec![1, 2]);
    assert_eq!(
        best_attempt(&loose, &ts, &masks).map(|a| a.reached()),
        Some(1)
    );
}

#[test]
fn attempts_start_only_inside_the_range_but_may_finish_after_it() {
    let mut s = spec(2, 600 * S, false);
    s.from = 100 * S;
    s.to = 200 * S;
    assert_eq!(
        reached(&s, &[(50, &[0]), (60, &[1])]),
        0,
        "started before the range"
    );
    assert_eq!(
        reached(&s, &[(200, &[0]), (210, &[1])]),
        0,
        "`to` is exclusive"
    );
    assert_eq!(
        reached(&s, &[(150, &[0]), (250, &[1])]),
        2,
        "finished after the range"
    );
    assert_eq!(
        reached(&s, &[(50, &[0]), (150, &[0]), (160, &[1])]),
        2,
        "a later start in the range counts"
    );
}

#[test]
fn strict_order_allows_only_repeats_of_the_step_just_reached() {
    let strict = spec(3, 600 * S, true);
    let loose = spec(3, 600 * S, false);
    let detour: &[(i64, &[usize])] = &[(0, &[0]), (10, &[2]), (20, &[1]), (30, &[2])];
    assert_eq!(reached(&loose, detour), 3);
    assert_eq!(
        reached(&strict, detour),
        1,
        "step 3 before step 2 breaks a strict funnel"
    );
    let repeats: &[(i64, &[usize])] = &[(0, &[0]), (5, &[0]), (10, &[1]), (15, &[1]), (20, &[2])];
    assert_eq!(
        reached(&strict, repeats),
        3,
        "repeating the step just reached is allowed"
    );
    // A strict attempt that broke may be beaten by a later one.
    let again: &[(i64, &[usize])] = &[(0, &[0]), (10, &[2]), (20, &[0]), (30, &[1]), (40, &[2])];
    assert_eq!(reached(&strict, again), 3);
}

#[test]
fn the_best_attempt_counts_and_of_equals_the_earliest() {
    let s = spec(3, 100 * S, false);
    // The first start reaches step 2 only (step 3 falls outside its window); the second completes.
    let (ts, masks) = events(&[(0, &[0]), (10, &[1]), (50, &[0]), (60, &[1]), (120, &[2])]);
    let best = best_attempt(&s, &ts, &masks).expect("started");
    assert_eq!(best.events, vec![2, 3, 4]);
    // Two complete attempts: the earliest counts, so its times are the ones measured.
    let (ts, masks) = events(&[(0, &[0]), (30, &[1]), (40, &[0]), (41, &[1]), (50, &[2])]);
    let best = best_attempt(&s, &ts, &masks).expect("started");
    assert_eq!(best.events, vec![0, 1, 4]);
}

#[test]
fn a_repeated_step_needs_an_event_of_its_own() {
    // Funnel /a → /b → /a: one view of /a cannot be both the first and the third step.
    let s = spec(3, 600 * S, false);
    assert_eq!(reached(&s, &[(0, &[0, 2]), (10, &[1])]), 2);
    assert_eq!(reached(&s, &[(0, &[0, 2]), (10, &[1]), (20, &[0, 2])]), 3);
}

#[test]
fn events_with_the_same_timestamp_count_in_step_order() {
    let s = spec(2, 600 * S, false);
    assert_eq!(reached(&s, &[(5, &[1]), (5, &[0])]), 2);
    let strict = spec(3, 600 * S, true);
    assert_eq!(reached(&strict, &[(5, &[2]), (5, &[1]), (5, &[0])]), 3);
}

#[test]
fn step_statistics_count_units_conversions_and_times_to_next() {
    let s = FunnelSpec {
        to: 2 * 86_400 * S,
        ..spec(3, 600 * S, false)
    };
    let mut tally = StepTally::new(3);
    let mut daily = DailyTally::default();
    let units: [&[(i64, &[usize])]; 4] = [
        &[(0, &[0]), (10, &[1]), (30, &[2])],
        &[(0, &[0]), (20, &[1])],
        &[(0, &[0]), (40, &[1]), (100, &[2])],
        &[(86_400, &[0])],
    ];
    for unit in units {
        let (ts, masks) = events(unit);
        let attempt = best_attempt(&s, &ts, &masks).expect("started");
        tally.add(&attempt, &ts);
        daily.add(ts[attempt.events[0]], attempt.reached() == 3);
    }
    let labels: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
    let stats = tally.stats(&labels);
    assert_eq!(stats.iter().map(|s| s.count).collect::<Vec<_>>(), [4, 3, 2]);
    assert_eq!(
        stats.iter().map(|s| s.drop_off).collect::<Vec<_>>(),
        [1, 1, 0]
    );
    assert_eq!(stats[1].conversion_from_previous, 0.75);
    assert_eq!(stats[2].conversion_from_previous, 2.0 / 3.0);
    assert_eq!(stats[2].conversion_from_start, 0.5);
    // Times to step 2: 10, 20, 40 s → median 20 s, p75 30 s (interpolated); to step 3: 20 and 60 s.
    assert_eq!(stats[0].median_ms_to_next, Some(20_000.0));
    assert_eq!(stats[0].p75_ms_to_next, Some(30_000.0));
    assert_eq!(stats[1].median_ms_to_next, Some(40_000.0));
    assert_eq!(stats[2].median_ms_to_next, None);
    assert_eq!(stats[0].label, "a");
    let days = daily.days();
    assert_eq!(days.len(), 2);
    assert_eq!(
        (days[0].day.as_str(), days[0].started, days[0].completed),
        ("1970-01-01", 3, 2)
    );
    assert_eq!(
        (days[1].day.as_str(), days[1].started, days[1].completed),
        ("1970-01-02", 1, 0)
    );
    assert_eq!(days[0].conversion, 2.0 / 3.0);
}

#[test]
fn quantiles_interpolate_between_ranks() {
    assert_eq!(quantile(&[], 0.5), None);
    assert_eq!(quantile(&[7], 0.75), Some(7.0));
    assert_eq!(quantile(&[1, 2, 3, 4], 0.5), Some(2.5));
    assert_eq!(quantile(&[0, 100], 0.75), Some(75.0));
}
