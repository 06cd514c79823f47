//! Email address syntax, following what Magento's validator (Laminas `EmailAddress` with DNS
//! host names only) accepts: a dot-atom or quoted local part and a host name with a TLD.
//! No crate implements Laminas' rules, so they are written here.

/// RFC 5321 limits.
const MAX_ADDRESS_BYTES: usize = 254;
const MAX_LOCAL_BYTES: usize = 64;
const MAX_LABEL_BYTES: usize = 63;

/// `address` is expected trimmed.
pub fn is_valid_email(address: &str) -> bool {
    if address.len() > MAX_ADDRESS_BYTES {
        return false;
    }
    // Laminas splits at the last `@`: a quoted local part may contain one.
    let Some((local, host)) = address.rsplit_once('@') else {
        return false;
    };
    is_valid_local_part(local) && is_valid_host(host)
}

fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c)
}

fn is_valid_local_part(local: &str) -> bool {
    if local.is_empty() || local.len() > MAX_LOCAL_BYTES {
        return false;
    }
    if let Some(inner) = local.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
        return is_valid_quoted(inner);
    }
    local
        .split('.')
        .all(|atom| !atom.is_empty() && atom.chars().all(is_atext))
}

/// Printable ASCII; `"` and `\` only when escaped.
fn is_valid_quoted(inner: &str) -> bool {
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped) if (' '..='~').contains(&escaped) => {}
                _ => return false,
            },
            '"' => return false,
            ' '..='~' => {}
            _ => return false,
        }
    }
    true
}

/// A DNS host name of at least two labels whose TLD is alphabetic (or an IDN `xn--` label).
/// Internationalised labels are allowed as Laminas allows IDN hosts. IP literals are not, nor
/// are the characters that IDNA mapping (UTS-46) would turn into others before a lookup.
fn is_valid_host(host: &str) -> bool {
    if host.chars().any(is_mapped_by_idna) {
        return false;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let Some((tld, _)) = labels.split_last() else {
        return false;
    };
    if labels.len() < 2 || !labels.iter().all(|label| is_valid_label(label)) {
        return false;
    }
    let tld_ok = tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic);
    tld_ok || (tld.len() > 4 && tld.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("xn--")))
}

/// The Halfwidth and Fullwidth Forms block (`ｅｘａｍｐｌｅ．ｃｏｍ` is `example.com` to a
/// browser or a mail server) and the ideographic full stop, which UTS-46 maps to `.`. Without
/// the full mapping (the `idna` crate's tables do not fit the component's size budget), an
/// address written with them would be a second customer for the same mailbox: refused instead.
/// Other non-ASCII domains are taken as given.
fn is_mapped_by_idna(c: char) -> bool {
    c == '\u{3002}' || ('\u{ff00}'..='\u{ffef}').contains(&c)
}

fn is_valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= MAX_LABEL_BYTES
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.chars().all(|c| c.is_alphanumeric() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::is_valid_email;

    #[test]
    fn ordinary_addresses_pass() {
        for address in [
            "roni_cost@example.com",
            "a.b+tag@sub.example.co.uk",
            "x@example.io",
            "first.last@xn--bcher-kva.example",
            "o'reilly@example.com",
            "\"john doe\"@example.com",
            "\"a@b\"@example.com",
            "user@bücher.de",
            "UPPER@EXAMPLE.COM",
        ] {
            assert!(is_valid_email(address), "{address}");
        }
    }

    #[test]
    fn malformed_addresses_fail() {
        let too_long_local = format!("{}@example.com", "a".repeat(65));
        let too_long_label = format!("a@{}.com", "b".repeat(64));
        let too_long = format!("{}@{}.com", "a".repeat(60), "b.".repeat(100));
        for address in [
            "",
            "plainaddress",
            "@example.com",
            "roni@",
            "roni@@example.com",
            "roni@example",
            "roni@example.c",
            "roni@example.123",
            "roni@-example.com",
            "roni@example-.com",
            "roni@exa_mple.com",
            "roni@example..com",
            ".roni@example.com",
            "roni.@example.com",
            "ro..ni@example.com",
            "ro ni@example.com",
            "roni@exa mple.com",
            "roni@[127.0.0.1]",
            "roni@127.0.0.1",
            "rōni@example.com",
            "\"unterminated@example.com",
            "\"bad\"quote\"@example.com",
            "roni@example.com.",
            "roni(comment)@example.com",
            "roni<script>@example.com",
            "roni@example.com\n",
            &too_long_local,
            &too_long_label,
            &too_long,
        ] {
            assert!(!is_valid_email(address), "{address:?}");
        }
    }

    #[test]
    fn domains_idna_would_map_to_another_are_refused() {
        for address in [
            "a@\u{ff45}xample.com", // fullwidth e
            "a@\u{ff45}\u{ff58}\u{ff41}\u{ff4d}\u{ff50}\u{ff4c}\u{ff45}.com",
            "a@example\u{ff0e}com",                  // fullwidth full stop
            "a@example\u{3002}com",                  // ideographic full stop
            "a@example\u{ff61}com",                  // halfwidth ideographic full stop
            "a@\u{ff76}\u{ff80}\u{ff76}\u{ff85}.jp", // halfwidth katakana
            "a@example.\u{ff43}\u{ff4f}\u{ff4d}",
        ] {
            assert!(!is_valid_email(address), "{address:?}");
        }
        // Other non-ASCII domains are taken as given.
        for address in ["a@bücher.de", "a@例え.jp", "a@пример.рф"] {
            assert!(is_valid_email(address), "{address:?}");
        }
    }

    #[test]
    fn the_email_vectors_of_the_spec() {
        // docs/vectors.md, "Emails", verbatim (Magento's own test list).
        for rejected in [
            "plainaddress",
            "#@%^%#$@#$@#.com",
            "@example.com",
            "Joe Smith <email@example.com>",
            "email.example.com",
            "email@example@example.com",
            "email@example.com (Joe Smith)",
            "email@example",
            "\u{201c}email\u{201d}@example.com",
            "j\u{d8}rgen@somedomain.com",
            "",
        ] {
            assert!(!is_valid_email(rejected), "{rejected:?}");
        }
        for accepted in [
            "roni_cost@example.com",
            "a.b+tag@sub.example.co.uk",
            "x@example.io",
            "UPPER@Example.COM",
        ] {
            assert!(is_valid_email(accepted), "{accepted:?}");
        }
    }
}
