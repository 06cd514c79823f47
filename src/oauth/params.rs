//! Collecting the request parameters (RFC 5849 §3.4.1.3.1): the `Authorization: OAuth ...`
//! header (without `realm`), the query string, and an `application/x-www-form-urlencoded` body.
//!
//! Names and values are kept as decoded bytes: a value need not be UTF-8 once its escapes are
//! decoded, and the base string encodes bytes anyway.

use super::SignedRequest;
use super::percent::{self, BadEscape};

/// One decoded name/value pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: Vec<u8>,
    pub value: Vec<u8>,
}

impl Param {
    pub fn new(name: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) -> Self {
        Param {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// Why the parameters could not be read. The verifier refuses such a request with
/// `signature_invalid`: there is no well-defined parameter list to sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// The Authorization header uses the OAuth scheme but does not follow
    /// `OAuth name="value", name="value"` (RFC 5849 §3.5.1, RFC 7235 §2.1).
    Header,
    /// A `%` without two hex digits after it.
    Escape,
}

impl From<BadEscape> for Malformed {
    fn from(_: BadEscape) -> Self {
        Malformed::Escape
    }
}

/// RFC 7230 `tchar`: the characters of a token.
fn is_tchar(byte: u8) -> bool {
    byte.is_ascii_alphanumeric()
        || matches!(
            byte,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

fn is_ows(byte: u8) -> bool {
    byte == b' ' || byte == b'\t'
}

/// RFC 7230 `qdtext` (HTAB, SP, visible ASCII except `"` and `\`, and obs-text).
fn is_qdtext(byte: u8) -> bool {
    matches!(byte, b'\t' | b' ' | 0x21 | 0x23..=0x5b | 0x5d..=0x7e | 0x80..=0xff)
}

/// A cursor over the header's bytes; every step is bounds-checked.
struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let (&first, tail) = self.rest.split_first()?;
        self.rest = tail;
        Some(first)
    }

    fn skip_ows(&mut self) {
        while self.peek().is_some_and(is_ows) {
            self.bump();
        }
    }

    fn take_token(&mut self) -> &'a [u8] {
        let len = self.rest.iter().take_while(|&&b| is_tchar(b)).count();
        let (token, tail) = self.rest.split_at(len.min(self.rest.len()));
        self.rest = tail;
        token
    }

    /// A quoted-string, the opening quote already consumed; quoted-pairs (`\x`) unescaped.
    fn take_quoted(&mut self) -> Result<Vec<u8>, Malformed> {
        let mut out = Vec::new();
        loop {
            match self.bump() {
                Some(b'"') => return Ok(out),
                Some(b'\\') => match self.bump() {
                    Some(escaped) if escaped == b'\t' || escaped >= 0x20 && escaped != 0x7f => {
                        out.push(escaped)
                    }
                    _ => return Err(Malformed::Header),
                },
                Some(byte) if is_qdtext(byte) => out.push(byte),
                _ => return Err(Malformed::Header),
            }
        }
    }
}

/// Parses an Authorization header value.
///
/// `Ok(None)` when the scheme is not `OAuth` (compared case-insensitively): such a header
/// carries no OAuth parameters. `Ok(Some(params))` with the `realm` parameter left out and every
/// other name and value percent-decoded (`+` stays `+`). Values may be quoted strings (what
/// RFC 5849 prescribes) or, as RFC 7235 allows, bare tokens. Empty list elements (`a="1",,b="2"`)
/// are skipped as RFC 7230 §7 requires. Anything else is [`Malformed::Header`].
pub fn parse_authorization(header: &str) -> Result<Option<Vec<Param>>, Malformed> {
    let mut cursor = Cursor {
        rest: header.as_bytes(),
    };
    cursor.skip_ows();
    let scheme = cursor.take_token();
    if !scheme.eq_ignore_ascii_case(b"OAuth") {
        return Ok(None);
    }
    let mut params = Vec::new();
    match cursor.peek() {
        None => return Ok(Some(params)),
        Some(byte) if is_ows(byte) => {}
        Some(_) => return Err(Malformed::Header),
    }
    loop {
        cursor.skip_ows();
        match cursor.peek() {
            None => break,
            Some(b',') => {
                cursor.bump();
                continue;
            }
            Some(_) => {}
        }
        let name = cursor.take_token();
        if name.is_empty() {
            return Err(Malformed::Header);
        }
        cursor.skip_ows();
        if cursor.bump() != Some(b'=') {
            return Err(Malformed::Header);
        }
        cursor.skip_ows();
        let raw_value = if cursor.peek() == Some(b'"') {
            cursor.bump();
            cursor.take_quoted()?
        } else {
            let token = cursor.take_token();
            if token.is_empty() {
                return Err(Malformed::Header);
            }
            token.to_vec()
        };
        cursor.skip_ows();
        match cursor.peek() {
            None | Some(b',') => {}
            Some(_) => return Err(Malformed::Header),
        }
        let name = percent::decode(name, false)?;
        let value = percent::decode(&raw_value, false)?;
        if name != b"realm" {
            params.push(Param { name, value });
        }
    }
    Ok(Some(params))
}

/// Parses `application/x-www-form-urlencoded` data (a query string or a form body): pairs split
/// on `&`, empty pairs skipped, name and value split at the first `=` (no `=` means an empty
/// value), `+` is a space and `%XX` escapes are decoded.
pub fn parse_form(input: &[u8]) -> Result<Vec<Param>, Malformed> {
    let mut params = Vec::new();
    for pair in input.split(|&b| b == b'&') {
        if pair.is_empty() {
            continue;
        }
        let (name, value) = match pair.iter().position(|&b| b == b'=') {
            Some(at) => {
                let (name, with_eq) = pair.split_at(at.min(pair.len()));
                (name, with_eq.get(1..).unwrap_or_default())
            }
            None => (pair, &[][..]),
        };
        params.push(Param {
            name: percent::decode(name, true)?,
            value: percent::decode(value, true)?,
        });
    }
    Ok(params)
}

/// Every parameter of the request: header (without `realm`), query, form body.
pub fn collect(request: &SignedRequest<'_>) -> Result<Vec<Param>, Malformed> {
    let mut params = Vec::new();
    if let Some(header) = request.authorization
        && let Some(header_params) = parse_authorization(header)?
    {
        params.extend(header_params);
    }
    if let Some(query) = request.query {
        params.extend(parse_form(query.as_bytes())?);
    }
    if let Some(body) = request.form_body {
        params.extend(parse_form(body)?);
    }
    Ok(params)
}

/// The names starting with `oauth_` that occur more than once (RFC 5849 §3.5: protocol
/// parameters must not be sent twice, in one place or across several), each named once.
pub fn duplicated_protocol_params(params: &[Param]) -> Vec<&[u8]> {
    let mut protocol: Vec<&[u8]> = params
        .iter()
        .map(|p| p.name.as_slice())
        .filter(|name| name.starts_with(b"oauth_"))
        .collect();
    protocol.sort_unstable();
    let mut duplicated: Vec<&[u8]> = protocol
        .windows(2)
        .filter_map(|pair| match pair {
            [a, b] if a == b => Some(*a),
            _ => None,
        })
        .collect();
    duplicated.dedup();
    duplicated
}

/// The value of the parameter `name` (the first one; callers reject duplicates beforehand).
pub fn find<'p>(params: &'p [Param], name: &str) -> Option<&'p [u8]> {
    params
        .iter()
        .find(|p| p.name == name.as_bytes())
        .map(|p| p.value.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(params: &[Param]) -> Vec<(String, String)> {
        params
            .iter()
            .map(|p| {
                (
                    String::from_utf8_lossy(&p.name).into_owned(),
                    String::from_utf8_lossy(&p.value).into_owned(),
                )
            })
            .collect()
    }

    fn header(value: &str) -> Vec<(String, String)> {
        pairs(&parse_authorization(value).unwrap().unwrap())
    }

    fn owned(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn rfc_5849_header_with_realm_excluded_and_values_decoded() {
        let got = header(
            r#"OAuth realm="Example", oauth_consumer_key="9djdj82h48djs9d2", oauth_token="kkk9d7dh3k39sjv7", oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131201", oauth_nonce="7d8f3e4a", oauth_signature="bYT5CMsGcbgUdFHObYMEfcx6bsw%3D""#,
        );
        assert_eq!(
            got,
            owned(&[
                ("oauth_consumer_key", "9djdj82h48djs9d2"),
                ("oauth_token", "kkk9d7dh3k39sjv7"),
                ("oauth_signature_method", "HMAC-SHA1"),
                ("oauth_timestamp", "137131201"),
                ("oauth_nonce", "7d8f3e4a"),
                ("oauth_signature", "bYT5CMsGcbgUdFHObYMEfcx6bsw="),
            ])
        );
    }

    #[test]
    fn scheme_is_case_insensitive_and_whitespace_is_flexible() {
        let expected = owned(&[("a", "1"), ("b", "2")]);
        assert_eq!(header(r#"oauth a="1",b="2""#), expected);
        assert_eq!(header(r#"OAUTH   a = "1" ,	b="2"  "#), expected);
        assert_eq!(header("  OAuth\ta=\"1\","), owned(&[("a", "1")]));
        assert_eq!(header(r#"OAuth a="1",, ,b="2","#), expected);
    }

    #[test]
    fn plus_in_header_is_literal_and_escapes_decode() {
        assert_eq!(
            header(r#"OAuth oauth_signature="a+b%2B%2f%3D", oauth_nonce="%C3%BC""#),
            owned(&[("oauth_signature", "a+b+/="), ("oauth_nonce", "ü")])
        );
    }

    #[test]
    fn names_are_percent_decoded_too() {
        assert_eq!(header(r#"OAuth x%5Fy="1""#), owned(&[("x_y", "1")]));
    }

    #[test]
    fn unquoted_token_values_are_accepted() {
        assert_eq!(
            header("OAuth oauth_version=1.0, oauth_nonce=abc"),
            owned(&[("oauth_version", "1.0"), ("oauth_nonce", "abc")])
        );
    }

    #[test]
    fn quoted_pairs_and_empty_values() {
        assert_eq!(
            header(r#"OAuth a="x\"y", b="", c="\\""#),
            owned(&[("a", "x\"y"), ("b", ""), ("c", "\\")])
        );
    }

    #[test]
    fn empty_oauth_header_has_no_params() {
        assert_eq!(parse_authorization("OAuth"), Ok(Some(Vec::new())));
        assert_eq!(parse_authorization("OAuth   "), Ok(Some(Vec::new())));
    }

    #[test]
    fn other_schemes_carry_no_oauth_params() {
        for other in [
            "",
            "   ",
            "Bearer abc.def.ghi",
            "Basic dXNlcjpwYXNz",
            "OAuth2 a=\"1\"",
            "OAuthx",
            "\"OAuth\"",
        ] {
            assert_eq!(parse_authorization(other), Ok(None), "{other:?}");
        }
    }

    #[test]
    fn malformed_oauth_headers_are_refused() {
        for bad in [
            r#"OAuth a"#,
            r#"OAuth a="#,
            r#"OAuth a=""#,
            r#"OAuth a="1"#,
            r#"OAuth a="1" b="2""#,
            r#"OAuth ="1""#,
            r#"OAuth a=="1""#,
            r#"OAuth a="1"x"#,
            r#"OAuth a="1";b="2""#,
            r#"OAuth a=b=c"#,
            r#"OAuth a="x\"#,
            "OAuth a=\"x\u{1}\"",
            "OAuth a=\"x\ny\"",
            r#"OAuth,a="1""#,
            r#"OAuth="1""#,
            "OAuth a=\"1\",b=\u{e9}",
            "OAuth \u{e9}=\"1\"",
            "OAuth a=\"1\" \u{0}",
        ] {
            assert_eq!(parse_authorization(bad), Err(Malformed::Header), "{bad:?}");
        }
        for bad_escape in [r#"OAuth a="%zz""#, r#"OAuth %zz="1""#, r#"OAuth a="%4""#] {
            assert_eq!(
                parse_authorization(bad_escape),
                Err(Malformed::Escape),
                "{bad_escape:?}"
            );
        }
    }

    #[test]
    fn non_ascii_inside_quotes_is_kept_as_bytes() {
        assert_eq!(header("OAuth a=\"é\""), owned(&[("a", "é")]));
    }

    #[test]
    fn realm_is_excluded_only_by_its_exact_name() {
        assert_eq!(
            header(r#"OAuth realm="x", Realm="y", oauth_nonce="n""#),
            owned(&[("Realm", "y"), ("oauth_nonce", "n")])
        );
    }

    #[test]
    fn form_encoding_rules() {
        assert_eq!(
            pairs(&parse_form(b"b5=%3D%253D&a3=a&c%40=&a2=r%20b").unwrap()),
            owned(&[("b5", "=%3D"), ("a3", "a"), ("c@", ""), ("a2", "r b")])
        );
        assert_eq!(
            pairs(&parse_form(b"c2&a3=2+q").unwrap()),
            owned(&[("c2", ""), ("a3", "2 q")])
        );
        assert_eq!(
            pairs(&parse_form(b"&&a=1&&=&b==2&").unwrap()),
            owned(&[("a", "1"), ("", ""), ("b", "=2")])
        );
        assert_eq!(parse_form(b"").unwrap(), Vec::new());
        assert_eq!(parse_form(b"a=%zz"), Err(Malformed::Escape));
        assert_eq!(parse_form(b"%=1"), Err(Malformed::Escape));
    }

    #[test]
    fn form_keeps_non_utf8_bytes() {
        let params = parse_form(b"a=%FF%FE&b=\xff").unwrap();
        assert_eq!(params[0].value, [0xff, 0xfe]);
        assert_eq!(params[1].value, [0xff]);
    }

    #[test]
    fn collect_takes_all_three_sources() {
        let request = SignedRequest {
            method: "POST",
            scheme: "http",
            authority: "example.com",
            path: "/request",
            query: Some("b5=%3D%253D&a3=a&c%40=&a2=r%20b"),
            authorization: Some(r#"OAuth realm="Example", oauth_nonce="7d8f3e4a""#),
            form_body: Some(b"c2&a3=2+q"),
            body: b"c2&a3=2+q",
        };
        assert_eq!(
            pairs(&collect(&request).unwrap()),
            owned(&[
                ("oauth_nonce", "7d8f3e4a"),
                ("b5", "=%3D"),
                ("a3", "a"),
                ("c@", ""),
                ("a2", "r b"),
                ("c2", ""),
                ("a3", "2 q"),
            ])
        );
    }

    #[test]
    fn duplicates_are_found_across_sources() {
        let params = vec![
            Param::new("oauth_nonce", "1"),
            Param::new("a", "1"),
            Param::new("a", "2"),
            Param::new("oauth_nonce", "2"),
            Param::new("oauth_token", "t"),
            Param::new("oauth_nonce", "3"),
        ];
        assert_eq!(
            duplicated_protocol_params(&params),
            vec![&b"oauth_nonce"[..]]
        );
        assert!(duplicated_protocol_params(&params[1..3]).is_empty());
    }
}
