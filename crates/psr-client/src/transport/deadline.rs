//! The overall deadline that bounds every request of a lookup.

use std::time::{Duration, Instant};

/// A point in time after which no request of the current lookup may run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deadline {
    end: Instant,
    budget: Duration,
}

impl Deadline {
    /// Starts a deadline `budget` from now.
    pub(crate) fn after(budget: Duration) -> Deadline {
        Deadline {
            end: Instant::now() + budget,
            budget,
        }
    }

    /// Returns the time left, zero once the deadline has passed.
    pub(crate) fn remaining(&self) -> Duration {
        self.end.saturating_duration_since(Instant::now())
    }

    /// Returns the total budget the deadline was created with, for
    /// messages.
    pub(crate) fn budget(&self) -> Duration {
        self.budget
    }
}
