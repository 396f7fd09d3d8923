//! Summaries of timing samples.

use std::time::Duration;

/// Median, 90th percentile and mean of a series of durations.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    /// Number of samples.
    pub count: usize,
    /// The median (mean of the two middle samples for an even count).
    pub median: Duration,
    /// The 90th percentile by the nearest-rank method.
    pub p90: Duration,
    /// The arithmetic mean.
    pub mean: Duration,
}

impl Summary {
    /// Summarises `samples`; returns `None` when there are none.
    pub fn of(samples: &[Duration]) -> Option<Summary> {
        if samples.is_empty() {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort();
        let count = sorted.len();
        let median = if count % 2 == 1 {
            sorted[count / 2]
        } else {
            (sorted[count / 2 - 1] + sorted[count / 2]) / 2
        };
        // Nearest rank: the smallest sample with at least 90 % of the
        // samples at or below it.
        let rank = (count * 9).div_ceil(10).max(1);
        let p90 = sorted[rank - 1];
        let total: Duration = sorted.iter().sum();
        let mean = total / u32::try_from(count).unwrap_or(u32::MAX);
        Some(Summary {
            count,
            median,
            p90,
            mean,
        })
    }
}

/// Formats a duration in milliseconds with one decimal, e.g. `41.3 ms`.
pub fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

/// Formats a duration in seconds with two decimals, e.g. `3.21 s`.
pub fn seconds(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}

/// Returns `a / b` as a float, `f64::NAN` when `b` is zero.
pub fn ratio(a: Duration, b: Duration) -> f64 {
    if b.is_zero() {
        f64::NAN
    } else {
        a.as_secs_f64() / b.as_secs_f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn millis(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|&v| Duration::from_millis(v)).collect()
    }

    #[test]
    fn summary_of_odd_count() {
        let summary = Summary::of(&millis(&[5, 1, 3])).expect("samples");
        assert_eq!(summary.median, Duration::from_millis(3));
        assert_eq!(summary.p90, Duration::from_millis(5));
        assert_eq!(summary.mean, Duration::from_millis(3));
    }

    #[test]
    fn summary_of_even_count() {
        let summary = Summary::of(&millis(&[4, 1, 3, 2])).expect("samples");
        assert_eq!(summary.median, Duration::from_micros(2500));
        assert_eq!(summary.p90, Duration::from_millis(4));
    }

    #[test]
    fn p90_uses_nearest_rank() {
        let samples: Vec<u64> = (1..=20).collect();
        let summary = Summary::of(&millis(&samples)).expect("samples");
        assert_eq!(summary.p90, Duration::from_millis(18));
    }

    #[test]
    fn summary_of_nothing_is_none() {
        assert!(Summary::of(&[]).is_none());
    }
}
