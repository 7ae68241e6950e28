//! What a problem costs: the conversion rate of the sessions it affected against the sessions that saw the same
//! page without it, compared within strata (device class × channel) so that a problem only some visitors meet
//! is not blamed for their lower baseline (Mantel–Haenszel risk difference). An association, not proof of cause.

/// Below this many sessions in either group a difference is never called significant.
pub const MIN_SESSIONS_PER_GROUP: u64 = 30;

/// z for a two-sided 95 % interval.
const Z_95: f64 = 1.959_964;

/// One stratum's sessions: affected by the problem, and those that saw its page without it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Stratum {
    pub affected: u64,
    pub affected_conversions: u64,
    pub unaffected: u64,
    pub unaffected_conversions: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Interval {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cost {
    /// Crude conversion rates, 0..1.
    pub conversion_affected: f64,
    pub conversion_unaffected: f64,
    /// Affected minus unaffected conversion rate, stratified, with its 95 % interval (negative: the problem's
    /// sessions convert less).
    pub difference: Interval,
    pub lost_conversions: f64,
    pub lost_revenue: f64,
    pub significant: bool,
    /// Whether more than one stratum had sessions in both groups (else the comparison is within one stratum).
    pub stratified: bool,
}

fn rate(conversions: u64, sessions: u64) -> f64 {
    if sessions == 0 {
        0.0
    } else {
        conversions as f64 / sessions as f64
    }
}

/// A rate's variance with half a conversion added on each side, so that 0 % and 100 % rates are not certain.
fn variance(conversions: u64, sessions: u64) -> f64 {
    let n = sessions as f64 + 1.0;
    let p = (conversions as f64 + 0.5) / n;
    p * (1.0 - p) / n
}

/// The cost of a problem from its strata; `revenue_per_conversion` values each lost conversion.
pub fn cost(strata: &[Stratum], sessions_affected: u64, revenue_per_conversion: f64) -> Cost {
    let total = |f: fn(&Stratum) -> u64| strata.iter().map(f).sum::<u64>();
    let (affected, unaffected) = (total(|s| s.affected), total(|s| s.unaffected));
    let conversion_affected = rate(total(|s| s.affected_conversions), affected);
    let conversion_unaffected = rate(total(|s| s.unaffected_conversions), unaffected);
    // Mantel–Haenszel weights n1·n0/N: a stratum with nobody in one group has no weight.
    let mut weights = 0.0;
    let mut weighted_difference = 0.0;
    let mut weighted_variance = 0.0;
    let mut compared = 0;
    for s in strata {
        if s.affected == 0 || s.unaffected == 0 {
            continue;
        }
        let (n1, n0) = (s.affected as f64, s.unaffected as f64);
        let w = n1 * n0 / (n1 + n0);
        weights += w;
        weighted_difference += w
            * (rate(s.affected_conversions, s.affected)
                - rate(s.unaffected_conversions, s.unaffected));
        weighted_variance += w
            * w
            * (variance(s.affected_conversions, s.affected)
                + variance(s.unaffected_conversions, s.unaffected));
        compared += 1;
    }
    let difference = if weights > 0.0 {
        let estimate = weighted_difference / weights;
        let half = Z_95 * weighted_variance.sqrt() / weights;
        // A difference of two rates lies in [-1, 1]; so does its interval.
        Interval {
            estimate,
            low: (estimate - half).max(-1.0),
            high: (estimate + half).min(1.0),
        }
    } else {
        // Nobody to compare with: no estimate, an interval as wide as it gets.
        Interval {
            estimate: 0.0,
            low: -1.0,
            high: 1.0,
        }
    };
    let lost_conversions = (-difference.estimate).max(0.0) * sessions_affected as f64;
    let significant = affected >= MIN_SESSIONS_PER_GROUP
        && unaffected >= MIN_SESSIONS_PER_GROUP
        && weights > 0.0
        && (difference.high < 0.0 || difference.low > 0.0);
    Cost {
        conversion_affected,
        conversion_unaffected,
        difference,
        lost_conversions,
        lost_revenue: lost_conversions * revenue_per_conversion,
        significant,
        stratified: compared > 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stratum(a: u64, ac: u64, u: u64, uc: u64) -> Stratum {
        Stratum {
            affected: a,
            affected_conversions: ac,
            unaffected: u,
            unaffected_conversions: uc,
        }
    }

    #[test]
    fn one_stratum_is_the_plain_difference() {
        // 100 affected, 10 % convert; 300 unaffected, 30 % convert: −20 points.
        let c = cost(&[stratum(100, 10, 300, 90)], 100, 50.0);
        assert!((c.difference.estimate + 0.2).abs() < 1e-12);
        assert!((c.conversion_affected - 0.1).abs() < 1e-12);
        assert!((c.conversion_unaffected - 0.3).abs() < 1e-12);
        assert!((c.lost_conversions - 20.0).abs() < 1e-9);
        assert!((c.lost_revenue - 1_000.0).abs() < 1e-6);
        assert!(c.significant, "{c:?}");
        assert!(!c.stratified);
        // Hand-computed half-width: variances with half a conversion: p1 = 10.5/101, p0 = 90.5/301.
        let p1: f64 = 10.5 / 101.0;
        let p0: f64 = 90.5 / 301.0;
        let half = Z_95 * (p1 * (1.0 - p1) / 101.0 + p0 * (1.0 - p0) / 301.0).sqrt();
        assert!((c.difference.high - (-0.2 + half)).abs() < 1e-9);
    }

    #[test]
    fn a_problem_only_mobile_meets_is_not_blamed_for_mobiles_baseline() {
        // Mobile converts at 5 % with or without the problem, desktop at 20 %; the problem hits mobile mostly.
        let strata = [stratum(90, 4, 110, 6), stratum(10, 2, 290, 58)];
        let c = cost(&strata, 100, 10.0);
        // Crude: 6 % affected vs 16 % unaffected; within strata ≈ 0.
        assert!(c.conversion_affected < c.conversion_unaffected - 0.09);
        assert!(c.difference.estimate.abs() < 0.01, "{c:?}");
        assert!(!c.significant);
        assert!(c.stratified);
        assert!(c.lost_conversions < 1.0);
    }

    #[test]
    fn fewer_than_thirty_sessions_in_a_group_is_never_significant() {
        let c = cost(&[stratum(29, 0, 1_000, 500)], 29, 1.0);
        assert!(c.difference.high < 0.0, "a clear difference…");
        assert!(!c.significant, "…but too few affected sessions");
        assert!(cost(&[stratum(30, 0, 1_000, 500)], 30, 1.0).significant);
    }

    #[test]
    fn nobody_to_compare_with_gives_no_estimate() {
        let c = cost(&[stratum(50, 5, 0, 0)], 50, 1.0);
        assert_eq!((c.difference.estimate, c.lost_conversions), (0.0, 0.0));
        assert!(!c.significant);
    }

    #[test]
    fn a_problem_whose_sessions_convert_more_costs_nothing() {
        let c = cost(&[stratum(100, 50, 100, 10)], 100, 1.0);
        assert!(c.difference.estimate > 0.0);
        assert_eq!(c.lost_conversions, 0.0);
    }

    #[test]
    fn the_interval_stays_within_what_a_difference_of_rates_can_be() {
        // 7 affected, none convert; 7 unaffected, 6 convert: a wide interval, cut at −100 points.
        let c = cost(&[stratum(7, 0, 7, 6)], 7, 1.0);
        assert!(
            c.difference.low >= -1.0 && c.difference.high <= 1.0,
            "{c:?}"
        );
        assert_eq!(c.difference.low, -1.0);
    }
}
