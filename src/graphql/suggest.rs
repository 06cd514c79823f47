//! "Did you mean ...?" as graphql-php computes and words it: `Utils::suggestionList` (with
//! `LexicalDistance`), `Utils::quotedOrList` and `Utils::orList`.

use std::cmp::Ordering;

/// The options close enough to `input`, closest first (ties in natural order).
pub fn suggestion_list<'o>(input: &str, options: impl IntoIterator<Item = &'o str>) -> Vec<String> {
    // Only the collecting is generic: one copy of the rest (and of its sort) serves every
    // caller, which keeps the component small.
    let options: Vec<&str> = options.into_iter().collect();
    suggestions_among(input, &options)
}

fn suggestions_among(input: &str, options: &[&str]) -> Vec<String> {
    let threshold = input.chars().count() as f64 * 0.4 + 1.0;
    let measure = LexicalDistance::new(input);
    let mut scored: Vec<(usize, &str)> = Vec::new();
    for &option in options {
        if scored.iter().any(|(_, seen)| *seen == option) {
            continue;
        }
        if let Some(distance) = measure.measure(option, threshold) {
            scored.push((distance, option));
        }
    }
    scored.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| natural_cmp(a.1, b.1)));
    scored
        .into_iter()
        .map(|(_, option)| option.to_owned())
        .collect()
}

/// `"a"`, `"a" or "b"`, `"a", "b", or "c"`; at most five items.
pub fn quoted_or_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| format!("\"{item}\"")).collect();
    or_list(&quoted)
}

pub fn or_list(items: &[String]) -> String {
    let selected: Vec<&String> = items.iter().take(5).collect();
    let mut list = String::new();
    for (index, item) in selected.iter().enumerate() {
        if index > 0 {
            list.push_str(if selected.len() > 2 { ", " } else { " " });
            if index == selected.len() - 1 {
                list.push_str("or ");
            }
        }
        list.push_str(item);
    }
    list
}

/// ` Did you mean "a" or "b"?` for a non-empty list, else nothing.
pub fn did_you_mean(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!(" Did you mean {}?", quoted_or_list(suggestions))
    }
}

/// Damerau-Levenshtein (optimal string alignment) distance, case changes counting once, with
/// graphql-php's early exits.
struct LexicalDistance {
    input: String,
    input_lower: String,
    input_chars: Vec<char>,
}

impl LexicalDistance {
    fn new(input: &str) -> Self {
        let input_lower = input.to_ascii_lowercase();
        LexicalDistance {
            input: input.to_owned(),
            input_chars: input_lower.chars().collect(),
            input_lower,
        }
    }

    fn measure(&self, option: &str, threshold: f64) -> Option<usize> {
        if self.input == option {
            return Some(0);
        }
        let option_lower = option.to_ascii_lowercase();
        if self.input_lower == option_lower {
            return Some(1);
        }
        let option_chars: Vec<char> = option_lower.chars().collect();
        let (a, b) = if option_chars.len() < self.input_chars.len() {
            (&self.input_chars, &option_chars)
        } else {
            (&option_chars, &self.input_chars)
        };
        if (a.len() - b.len()) as f64 > threshold {
            return None;
        }
        let columns = b.len() + 1;
        let mut rows = vec![vec![0usize; columns]; 3];
        for (j, cell) in rows[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=a.len() {
            let up = (i - 1) % 3;
            let current = i % 3;
            rows[current][0] = i;
            let mut smallest = i;
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut cell = (rows[up][j] + 1)
                    .min(rows[current][j - 1] + 1)
                    .min(rows[up][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    cell = cell.min(rows[(i - 2) % 3][j - 2] + 1);
                }
                smallest = smallest.min(cell);
                rows[current][j] = cell;
            }
            if smallest as f64 > threshold {
                return None;
            }
        }
        let distance = rows[a.len() % 3][b.len()];
        (distance as f64 <= threshold).then_some(distance)
    }
}

/// PHP's `strnatcmp` for identifiers: runs of digits compare by value, everything else by byte.
fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].is_ascii_digit() && b[j].is_ascii_digit() {
            let run_a = a[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            let run_b = b[j..].iter().take_while(|c| c.is_ascii_digit()).count();
            let digits_a = trim_zeros(&a[i..i + run_a]);
            let digits_b = trim_zeros(&b[j..j + run_b]);
            let order = digits_a
                .len()
                .cmp(&digits_b.len())
                .then_with(|| digits_a.cmp(digits_b));
            if order != Ordering::Equal {
                return order;
            }
            i += run_a;
            j += run_b;
        } else {
            if a[i] != b[j] {
                return a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
    }
    (a.len() - i).cmp(&(b.len() - j))
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let zeros = digits.iter().take_while(|d| **d == b'0').count();
    &digits[zeros..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_closest_first() {
        let options = ["email", "firstname", "lastname", "middlename"];
        assert_eq!(suggestion_list("emial", options), vec!["email"]);
        assert_eq!(suggestion_list("EMAIL", options), vec!["email"]);
        assert_eq!(suggestion_list("xyz", options), Vec::<String>::new());
        assert_eq!(suggestion_list("lastnam", options), vec!["lastname"]);
        assert_eq!(
            suggestion_list("name", ["names", "xyzw", "nam", "game"]),
            vec!["game", "nam", "names"]
        );
    }

    #[test]
    fn ties_are_ordered_naturally() {
        // All at distance 1; byte order would put "a10" before "a2x".
        assert_eq!(
            suggestion_list("a1x", ["a10", "a2x", "a1"]),
            vec!["a1", "a2x", "a10"]
        );
    }

    #[test]
    fn lists_are_worded_like_graphql_php() {
        let items = |n: usize| -> Vec<String> { (1..=n).map(|i| format!("f{i}")).collect() };
        assert_eq!(quoted_or_list(&items(1)), "\"f1\"");
        assert_eq!(quoted_or_list(&items(2)), "\"f1\" or \"f2\"");
        assert_eq!(quoted_or_list(&items(3)), "\"f1\", \"f2\", or \"f3\"");
        assert_eq!(
            quoted_or_list(&items(7)),
            "\"f1\", \"f2\", \"f3\", \"f4\", or \"f5\""
        );
        assert_eq!(did_you_mean(&items(1)), " Did you mean \"f1\"?");
        assert_eq!(did_you_mean(&[]), "");
    }
}
