//! RFC 3986 / RFC 5849 §3.6 percent-encoding, and the decoding of header values, query strings
//! and form bodies.

use std::fmt::Write as _;

/// A `%` not followed by two hexadecimal digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadEscape;

/// Whether `byte` is an RFC 3986 unreserved character (`A-Z a-z 0-9 - . _ ~`), the only bytes
/// RFC 5849 §3.6 leaves as they are.
pub fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

/// Percent-encodes `input` (RFC 5849 §3.6): unreserved bytes as they are, every other byte
/// (including each byte of a multi-byte UTF-8 character) as `%XX` with upper-case hex.
pub fn encode(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len());
    encode_into(&mut out, input);
    out
}

/// Appends the encoding of `input` to `out`; see [`encode`].
pub fn encode_into(out: &mut String, input: &[u8]) {
    for &byte in input {
        if is_unreserved(byte) {
            out.push(char::from(byte));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{byte:02X}");
        }
    }
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` escapes (either hex case). With `plus_as_space` (query strings and form bodies,
/// `application/x-www-form-urlencoded`) a `+` is a space; in an Authorization header it is a
/// literal `+`. Any other byte, ASCII or not, stands for itself. A `%` without two hex digits
/// after it is an error rather than a guess.
pub fn decode(input: &[u8], plus_as_space: bool) -> Result<Vec<u8>, BadEscape> {
    let mut out = Vec::with_capacity(input.len());
    let mut rest = input;
    while let Some((&byte, tail)) = rest.split_first() {
        match byte {
            b'%' => match tail {
                [high, low, after @ ..] => {
                    let (Some(high), Some(low)) = (hex_value(*high), hex_value(*low)) else {
                        return Err(BadEscape);
                    };
                    out.push(high << 4 | low);
                    rest = after;
                }
                _ => return Err(BadEscape),
            },
            b'+' if plus_as_space => {
                out.push(b' ');
                rest = tail;
            }
            _ => {
                out.push(byte);
                rest = tail;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreserved_characters_stay() {
        let unreserved = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
        assert_eq!(encode(unreserved).as_bytes(), unreserved);
    }

    #[test]
    fn every_other_ascii_byte_is_escaped_upper_case() {
        for byte in 0u8..=0x7f {
            let encoded = encode(&[byte]);
            if is_unreserved(byte) {
                assert_eq!(encoded.as_bytes(), [byte]);
            } else {
                assert_eq!(encoded, format!("%{byte:02X}"), "byte {byte:#x}");
            }
        }
    }

    #[test]
    fn rfc_5849_section_3_6_examples() {
        // Space is %20 (never +), + is %2B, and the reserved set is escaped.
        assert_eq!(encode(b"r b"), "r%20b");
        assert_eq!(encode(b"2 q"), "2%20q");
        assert_eq!(encode(b"a+b"), "a%2Bb");
        assert_eq!(encode(b"=%3D"), "%3D%253D");
        assert_eq!(encode(b"c@"), "c%40");
        assert_eq!(
            encode(b"!*'();:@&=+$,/?#[]"),
            "%21%2A%27%28%29%3B%3A%40%26%3D%2B%24%2C%2F%3F%23%5B%5D"
        );
        assert_eq!(encode(b""), "");
    }

    #[test]
    fn multi_byte_utf8_is_escaped_byte_by_byte() {
        assert_eq!(encode("ü".as_bytes()), "%C3%BC");
        assert_eq!(encode("€".as_bytes()), "%E2%82%AC");
        assert_eq!(encode("😀".as_bytes()), "%F0%9F%98%80");
        assert_eq!(encode(&[0xff, 0x00, 0x80]), "%FF%00%80");
    }

    #[test]
    fn decode_escapes_in_either_case() {
        assert_eq!(decode(b"%2b%2B%c3%BC", false).unwrap(), "++ü".as_bytes());
        assert_eq!(decode(b"a%20b", true).unwrap(), b"a b");
        assert_eq!(decode(b"%00%FF", false).unwrap(), [0x00, 0xff]);
    }

    #[test]
    fn plus_is_space_only_in_form_encoding() {
        assert_eq!(decode(b"a+b", true).unwrap(), b"a b");
        assert_eq!(decode(b"a+b", false).unwrap(), b"a+b");
        assert_eq!(decode(b"%2B", true).unwrap(), b"+");
    }

    #[test]
    fn bad_escapes_are_errors() {
        for bad in [&b"%"[..], b"%4", b"a%zz", b"%g0", b"%%", b"%2", b"x%0"] {
            assert_eq!(decode(bad, true), Err(BadEscape), "{bad:?}");
        }
    }

    #[test]
    fn raw_bytes_pass_through_decoding() {
        assert_eq!(decode("é".as_bytes(), true).unwrap(), "é".as_bytes());
        assert_eq!(decode(&[0xfe, b'+'], true).unwrap(), [0xfe, b' ']);
    }

    #[test]
    fn encode_then_decode_round_trips_every_byte() {
        let all: Vec<u8> = (0u8..=255).collect();
        assert_eq!(decode(encode(&all).as_bytes(), false).unwrap(), all);
        assert_eq!(decode(encode(&all).as_bytes(), true).unwrap(), all);
    }
}
