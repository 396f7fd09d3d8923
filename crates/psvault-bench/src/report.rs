//! The Markdown report: one table of figures with their targets, and one
//! table of requests per method.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::vault::Counters;

/// Whether a figure meets its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The figure is within its target.
    Met,
    /// The figure is outside its target.
    Missed,
    /// The figure could not be measured.
    NotMeasured,
}

impl Verdict {
    /// Returns `Met` when `ok` is true, else `Missed`.
    pub fn from_check(ok: bool) -> Verdict {
        if ok {
            Verdict::Met
        } else {
            Verdict::Missed
        }
    }

    fn text(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Missed => "**missed**",
            Verdict::NotMeasured => "not measured",
        }
    }
}

/// One row of the figures table.
struct Row {
    figure: String,
    value: String,
    target: Option<(String, Verdict)>,
}

/// The figures table under construction.
#[derive(Default)]
pub struct Report {
    rows: Vec<Row>,
    notes: Vec<String>,
}

impl Report {
    /// Adds a figure without a target.
    pub fn figure(&mut self, figure: impl Into<String>, value: impl Into<String>) {
        self.rows.push(Row {
            figure: figure.into(),
            value: value.into(),
            target: None,
        });
    }

    /// Adds a figure with its target and verdict.
    pub fn target(
        &mut self,
        figure: impl Into<String>,
        value: impl Into<String>,
        target: impl Into<String>,
        verdict: Verdict,
    ) {
        self.rows.push(Row {
            figure: figure.into(),
            value: value.into(),
            target: Some((target.into(), verdict)),
        });
    }

    /// Adds a line printed below the table.
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// Renders the figures table, the notes and the requests table.
    pub fn render(&self, single: &Counters, batch: Option<(&Counters, u64)>) -> String {
        let mut out = String::new();
        out.push_str("| figure | value | target | result |\n|---|---|---|---|\n");
        for row in &self.rows {
            let (target, verdict) = match &row.target {
                Some((target, verdict)) => (target.as_str(), verdict.text()),
                None => ("", ""),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                row.figure, row.value, target, verdict
            );
        }
        if !self.notes.is_empty() {
            out.push('\n');
            for note in &self.notes {
                let _ = writeln!(out, "- {note}");
            }
        }
        out.push('\n');
        out.push_str(&requests_table(single, batch));
        out
    }
}

/// Renders requests per method for one `psvault get` and, when given,
/// per lookup of a batch of `lookups` lookups.
fn requests_table(single: &Counters, batch: Option<(&Counters, u64)>) -> String {
    let mut methods: BTreeSet<&str> = single.requests.keys().map(String::as_str).collect();
    if let Some((counters, _)) = batch {
        methods.extend(counters.requests.keys().map(String::as_str));
    }
    let mut out = String::new();
    match batch {
        Some(_) => out
            .push_str("| requests per lookup | `psvault get` | `psvault batch` |\n|---|---|---|\n"),
        None => out.push_str("| requests per lookup | `psvault get` |\n|---|---|\n"),
    }
    let per_batch_lookup = |count: u64, lookups: u64| -> String {
        format!("{:.3}", count as f64 / lookups.max(1) as f64)
    };
    let mut rows: Vec<(&str, u64, Option<String>)> = methods
        .iter()
        .map(|&method| {
            let single_count = single.requests.get(method).copied().unwrap_or(0);
            let batch_count = batch.map(|(counters, lookups)| {
                per_batch_lookup(counters.requests.get(method).copied().unwrap_or(0), lookups)
            });
            (method, single_count, batch_count)
        })
        .collect();
    rows.sort_by_key(|(method, _, _)| method_order(method));
    for (method, single_count, batch_count) in rows {
        match batch_count {
            Some(batch_count) => {
                let _ = writeln!(out, "| {method} | {single_count} | {batch_count} |");
            }
            None => {
                let _ = writeln!(out, "| {method} | {single_count} |");
            }
        }
    }
    match batch {
        Some((counters, lookups)) => {
            let _ = writeln!(
                out,
                "| **total** | **{}** | **{}** |",
                single.total_requests(),
                per_batch_lookup(counters.total_requests(), lookups)
            );
        }
        None => {
            let _ = writeln!(out, "| **total** | **{}** |", single.total_requests());
        }
    }
    out
}

/// Sorts methods in the order a lookup calls them.
fn method_order(method: &str) -> (usize, &str) {
    const ORDER: [&str; 8] = [
        "AuthenticateApiKey",
        "AuthenticateUserKeySignatureCredential",
        "GetContainerListFilter",
        "GetContainerList",
        "GetContainerCount",
        "GetLegitimateDataRights",
        "GetContainerItemWithSecretValue",
        "CloseSession",
    ];
    let position = ORDER
        .iter()
        .position(|&name| name == method)
        .unwrap_or(ORDER.len());
    (position, method)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn counters(pairs: &[(&str, u64)]) -> Counters {
        Counters {
            requests: pairs
                .iter()
                .map(|&(name, count)| (name.to_owned(), count))
                .collect(),
            listed: BTreeMap::new(),
        }
    }

    #[test]
    fn report_marks_missed_targets() {
        let mut report = Report::default();
        report.target("CPU", "20 ms", "≤ 15 ms", Verdict::from_check(false));
        let text = report.render(&counters(&[]), None);
        assert!(text.contains("| CPU | 20 ms | ≤ 15 ms | **missed** |"));
    }

    #[test]
    fn requests_follow_call_order() {
        let single = counters(&[("CloseSession", 1), ("AuthenticateApiKey", 1)]);
        let batch = counters(&[("CloseSession", 1), ("GetContainerList", 1000)]);
        let text = requests_table(&single, Some((&batch, 1000)));
        let login = text.find("AuthenticateApiKey").expect("login row");
        let close = text.find("CloseSession").expect("close row");
        assert!(login < close);
        assert!(text.contains("| GetContainerList | 0 | 1.000 |"));
        assert!(text.contains("| CloseSession | 1 | 0.001 |"));
    }
}
