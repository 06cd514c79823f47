//! Summaries of timing samples and the markdown tables the report prints.

use std::time::Duration;

/// Order statistics of a set of samples.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    pub mean: Duration,
    pub median: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Summary {
    /// `None` for no samples.
    pub fn of(samples: &[Duration]) -> Option<Summary> {
        if samples.is_empty() {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        let n = sorted.len();
        let total: Duration = sorted.iter().sum();
        Some(Summary {
            mean: total / u32::try_from(n).unwrap_or(u32::MAX),
            median: percentile(&sorted, 0.5),
            p99: percentile(&sorted, 0.99),
            max: sorted[n - 1],
        })
    }
}

/// Nearest-rank percentile of sorted samples.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A duration in the unit that suits it: `812 ns`, `41.3 µs`, `2.41 ms`, `1.93 s`.
pub fn fmt_duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos < 1_000 {
        format!("{nanos} ns")
    } else if nanos < 100_000 {
        format!("{:.1} µs", nanos as f64 / 1e3)
    } else if nanos < 1_000_000 {
        format!("{:.0} µs", nanos as f64 / 1e3)
    } else if nanos < 1_000_000_000 {
        format!("{:.2} ms", nanos as f64 / 1e6)
    } else {
        format!("{:.2} s", nanos as f64 / 1e9)
    }
}

/// `value / baseline` as `×1.23`.
pub fn fmt_ratio(value: f64, baseline: f64) -> String {
    if baseline <= 0.0 || !value.is_finite() || !baseline.is_finite() {
        return "–".to_owned();
    }
    let ratio = value / baseline;
    if ratio >= 100.0 {
        format!("×{ratio:.0}")
    } else if ratio >= 10.0 {
        format!("×{ratio:.1}")
    } else {
        format!("×{ratio:.2}")
    }
}

/// Ratio of two durations.
pub fn duration_ratio(value: Duration, baseline: Duration) -> String {
    fmt_ratio(value.as_secs_f64(), baseline.as_secs_f64())
}

/// Bytes as `12 345 B (12.1 KiB)`.
pub fn fmt_bytes(bytes: u64) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else {
        format!("{bytes} B ({:.1} KiB)", bytes as f64 / 1024.0)
    }
}

/// A markdown table with columns padded to line up in a terminal.
pub struct Table {
    headers: Vec<String>,
    /// `true` for right-aligned (numeric) columns.
    right: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Column names; a name starting with `>` is right-aligned (the `>` is dropped).
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers
                .iter()
                .map(|h| h.trim_start_matches('>').to_owned())
                .collect(),
            right: headers.iter().map(|h| h.starts_with('>')).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.headers.len());
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn print(&self) {
        let width = |column: usize| {
            std::iter::once(&self.headers[column])
                .chain(self.rows.iter().map(|row| &row[column]))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
                .max(3)
        };
        let widths: Vec<usize> = (0..self.headers.len()).map(width).collect();
        let line = |cells: &[String]| {
            let padded: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(i, cell)| {
                    let pad = widths[i].saturating_sub(cell.chars().count());
                    if self.right[i] {
                        format!("{}{cell}", " ".repeat(pad))
                    } else {
                        format!("{cell}{}", " ".repeat(pad))
                    }
                })
                .collect();
            println!("| {} |", padded.join(" | "));
        };
        line(&self.headers);
        let rule: Vec<String> = widths
            .iter()
            .zip(&self.right)
            .map(|(&w, &right)| {
                if right {
                    format!("{}:", "-".repeat(w - 1))
                } else {
                    "-".repeat(w)
                }
            })
            .collect();
        println!("| {} |", rule.join(" | "));
        for row in &self.rows {
            line(row);
        }
        println!();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_micros).collect();
        let summary = Summary::of(&samples).unwrap();
        assert_eq!(summary.median, Duration::from_micros(50));
        assert_eq!(summary.p99, Duration::from_micros(99));
        assert_eq!(summary.max, Duration::from_micros(100));
        assert!(Summary::of(&[]).is_none());
    }
}
