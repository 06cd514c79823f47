//! The signature base string (RFC 5849 §3.4.1):
//! `enc(METHOD) & enc(base-string-uri) & enc(normalized-parameters)`.

use super::params::Param;
use super::percent;

/// The base string URI (RFC 5849 §3.4.1.2): scheme and host lower-cased, the port kept unless it
/// is the scheme's default (80 for http, 443 for https), the path as received (`/` when empty),
/// no query and no fragment. A userinfo part (`user@`), which a Host header never carries, is
/// left out.
pub fn base_uri(scheme: &str, authority: &str, path: &str) -> String {
    let scheme = scheme.to_ascii_lowercase();
    let authority = match authority.rsplit_once('@') {
        Some((_userinfo, host_port)) => host_port,
        None => authority,
    };
    let authority = authority.to_ascii_lowercase();
    let (host, port) = split_host_port(&authority);
    let port = port.and_then(|port| normalize_port(&scheme, port));
    let path = if path.is_empty() { "/" } else { path };
    let mut uri = String::with_capacity(
        scheme
            .len()
            .saturating_add(authority.len())
            .saturating_add(path.len())
            .saturating_add(4),
    );
    uri.push_str(&scheme);
    uri.push_str("://");
    uri.push_str(host);
    if let Some(port) = port {
        uri.push(':');
        uri.push_str(port);
    }
    uri.push_str(path);
    uri
}

/// Splits `host[:port]`, with `[v6]:port` for IPv6 literals. Something that is neither (a bare
/// IPv6 address, say) is all host.
fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[') {
        if let Some(close) = authority.find(']') {
            let (host, rest) = authority.split_at(close.saturating_add(1).min(authority.len()));
            if rest.is_empty() {
                return (host, None);
            }
            if let Some(port) = rest.strip_prefix(':') {
                return (host, Some(port));
            }
        }
        return (authority, None);
    }
    match authority.split_once(':') {
        Some((host, port)) if !port.contains(':') => (host, Some(port)),
        _ => (authority, None),
    }
}

/// The port to print, if any: an empty port or the scheme's default one is dropped (RFC 3986
/// §6.2.3), a numeric one loses its leading zeros, anything else is kept as received.
fn normalize_port<'p>(scheme: &str, port: &'p str) -> Option<&'p str> {
    if port.is_empty() {
        return None;
    }
    if !port.bytes().all(|b| b.is_ascii_digit()) {
        return Some(port);
    }
    let trimmed = port.trim_start_matches('0');
    let trimmed = if trimmed.is_empty() { "0" } else { trimmed };
    match (scheme, trimmed) {
        ("http", "80") | ("https", "443") => None,
        _ => Some(trimmed),
    }
}

/// Splits a configured `public_base_url` (`https://shop.example.com`, `https://host:8443`, a
/// trailing `/` allowed) into its scheme and authority. `None` when it is not of that form:
/// no scheme, an empty authority, or a path, query or fragment beyond a lone `/` (the path of the
/// base string is always the request's).
pub fn split_public_base_url(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    if !is_scheme(scheme) {
        return None;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end.min(rest.len()));
    if authority.is_empty()
        || authority
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        || !(tail.is_empty() || tail == "/")
    {
        return None;
    }
    Some((scheme, authority))
}

/// The parts of an absolute URL (`scheme://authority/path?query#fragment`).
#[derive(Debug, PartialEq, Eq)]
pub struct UrlParts<'u> {
    pub scheme: &'u str,
    pub authority: &'u str,
    pub path: &'u str,
    pub query: Option<&'u str>,
}

/// Splits an absolute http(s)-style URL; the fragment is dropped. `None` without a valid scheme
/// or with an empty authority.
pub fn split_url(url: &str) -> Option<UrlParts<'_>> {
    let (scheme, rest) = url.split_once("://")?;
    if !is_scheme(scheme) {
        return None;
    }
    let rest = match rest.split_once('#') {
        Some((before, _fragment)) => before,
        None => rest,
    };
    let (rest, query) = match rest.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (rest, None),
    };
    let (authority, path) = match rest.find('/') {
        Some(at) => rest.split_at(at.min(rest.len())),
        None => (rest, ""),
    };
    if authority.is_empty() {
        return None;
    }
    Some(UrlParts {
        scheme,
        authority,
        path,
        query,
    })
}

/// RFC 3986 scheme: `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`.
fn is_scheme(scheme: &str) -> bool {
    let mut bytes = scheme.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

/// The normalized request parameters (RFC 5849 §3.4.1.3.2): every parameter except
/// `oauth_signature`, name and value percent-encoded, sorted by encoded name and then encoded
/// value in byte order, joined as `name=value` with `&`. Duplicates are all kept.
pub fn normalize_params(params: &[Param]) -> String {
    let mut encoded: Vec<(String, String)> = params
        .iter()
        .filter(|p| p.name != b"oauth_signature")
        .map(|p| (percent::encode(&p.name), percent::encode(&p.value)))
        .collect();
    encoded.sort_unstable();
    let mut out = String::new();
    for (index, (name, value)) in encoded.iter().enumerate() {
        if index > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// The signature base string: the upper-cased method, the base string URI and the normalized
/// parameters, each percent-encoded, joined with `&`.
pub fn base_string(method: &str, base_uri: &str, normalized_params: &str) -> String {
    let mut out = String::new();
    percent::encode_into(&mut out, method.to_ascii_uppercase().as_bytes());
    out.push('&');
    percent::encode_into(&mut out, base_uri.as_bytes());
    out.push('&');
    percent::encode_into(&mut out, normalized_params.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::super::params::{parse_authorization, parse_form};
    use super::*;

    #[test]
    fn rfc_5849_section_3_4_1_1_example() {
        // The worked example of RFC 5849 §3.4.1.1 (oauthlib agrees; tests/vectors/oauth_vectors.py).
        let mut params = parse_authorization(
            r#"OAuth realm="Example", oauth_consumer_key="9djdj82h48djs9d2", oauth_token="kkk9d7dh3k39sjv7", oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131201", oauth_nonce="7d8f3e4a", oauth_signature="bYT5CMsGcbgUdFHObYMEfcx6bsw%3D""#,
        )
        .unwrap()
        .unwrap();
        params.extend(parse_form(b"b5=%3D%253D&a3=a&c%40=&a2=r%20b").unwrap());
        params.extend(parse_form(b"c2&a3=2+q").unwrap());
        let uri = base_uri("http", "example.com", "/request");
        assert_eq!(uri, "http://example.com/request");
        assert_eq!(
            normalize_params(&params),
            "a2=r%20b&a3=2%20q&a3=a&b5=%3D%253D&c%40=&c2=&oauth_consumer_key=9dj\
             dj82h48djs9d2&oauth_nonce=7d8f3e4a&oauth_signature_method=HMAC-SHA1\
             &oauth_timestamp=137131201&oauth_token=kkk9d7dh3k39sjv7"
        );
        assert_eq!(
            base_string("POST", &uri, &normalize_params(&params)),
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q\
             %26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_\
             key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m\
             ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk\
             9d7dh3k39sjv7"
        );
    }

    #[test]
    fn rfc_5849_section_3_4_1_2_examples() {
        // "http://EXAMPLE.COM:80/r%20v/X?id=123" -> "http://example.com/r%20v/X"
        assert_eq!(
            base_uri("http", "EXAMPLE.COM:80", "/r%20v/X"),
            "http://example.com/r%20v/X"
        );
        // "https://www.example.net:8080/?q=1" -> "https://www.example.net:8080/"
        assert_eq!(
            base_uri("https", "www.example.net:8080", "/"),
            "https://www.example.net:8080/"
        );
    }

    #[test]
    fn scheme_and_host_are_lower_cased_path_is_not() {
        assert_eq!(
            base_uri("HTTPS", "Shop.Example.COM", "/GraphQL/A%2fb"),
            "https://shop.example.com/GraphQL/A%2fb"
        );
    }

    #[test]
    fn default_ports_are_dropped_others_kept() {
        assert_eq!(base_uri("http", "h:80", "/"), "http://h/");
        assert_eq!(base_uri("https", "h:443", "/"), "https://h/");
        assert_eq!(base_uri("http", "h:443", "/"), "http://h:443/");
        assert_eq!(base_uri("https", "h:80", "/"), "https://h:80/");
        assert_eq!(base_uri("http", "h:8080", "/"), "http://h:8080/");
        assert_eq!(base_uri("http", "h:", "/"), "http://h/");
        assert_eq!(base_uri("http", "h:0080", "/"), "http://h/");
        assert_eq!(base_uri("https", "h:08443", "/"), "https://h:8443/");
        assert_eq!(base_uri("http", "h:x1", "/"), "http://h:x1/");
    }

    #[test]
    fn ipv6_literals() {
        assert_eq!(base_uri("http", "[::1]:80", "/"), "http://[::1]/");
        assert_eq!(base_uri("http", "[::1]:8080", "/"), "http://[::1]:8080/");
        assert_eq!(base_uri("http", "[FE80::1]", "/"), "http://[fe80::1]/");
        assert_eq!(base_uri("http", "fe80::1", "/"), "http://fe80::1/");
        assert_eq!(base_uri("http", "[::1", "/"), "http://[::1/");
    }

    #[test]
    fn empty_path_is_slash_and_userinfo_dropped() {
        assert_eq!(base_uri("http", "example.com", ""), "http://example.com/");
        assert_eq!(
            base_uri("http", "u:p@Example.com", "/x"),
            "http://example.com/x"
        );
    }

    #[test]
    fn method_is_upper_cased_and_encoded() {
        assert_eq!(
            base_string("post", "http://h/", ""),
            "POST&http%3A%2F%2Fh%2F&"
        );
        assert_eq!(
            base_string("M-SEARCH", "http://h/", "a=b"),
            "M-SEARCH&http%3A%2F%2Fh%2F&a%3Db"
        );
    }

    #[test]
    fn sort_is_by_encoded_name_then_encoded_value_in_byte_order() {
        let params = vec![
            Param::new("b", "1"),
            Param::new("a", "z"),
            Param::new("a", "Z"),
            Param::new("a", "10"),
            Param::new("a", "9"),
            Param::new("A", "x"),
            Param::new("a_", ""),
            Param::new("a b", ""),
            Param::new("a", "é"),
            Param::new("a", "~"),
        ];
        // "A" < "a" < "a%20b" < "a_"; values: "%C3%A9" < "10" < "9" < "Z" < "z" < "~".
        assert_eq!(
            normalize_params(&params),
            "A=x&a=%C3%A9&a=10&a=9&a=Z&a=z&a=~&a%20b=&a_=&b=1"
        );
    }

    #[test]
    fn sorting_uses_encoded_not_decoded_form() {
        // Decoded, "~" (0x7E) sorts before "ÿ" (0xC3 0xBF); encoded, "%C3%BF" (0x25 ...) sorts
        // before "~". The encoded form decides.
        let params = vec![Param::new("k", "~"), Param::new("k", "ÿ")];
        assert_eq!(normalize_params(&params), "k=%C3%BF&k=~");
    }

    #[test]
    fn duplicates_are_kept_and_signature_excluded() {
        let params = vec![
            Param::new("a", "1"),
            Param::new("oauth_signature", "sig"),
            Param::new("a", "1"),
        ];
        assert_eq!(normalize_params(&params), "a=1&a=1");
        assert_eq!(normalize_params(&[]), "");
    }

    #[test]
    fn space_and_plus_in_values() {
        let params = parse_form(b"a=x+y&b=x%20y&c=x%2By").unwrap();
        assert_eq!(normalize_params(&params), "a=x%20y&b=x%20y&c=x%2By");
    }

    #[test]
    fn public_base_url_forms() {
        assert_eq!(
            split_public_base_url("https://shop.example.com"),
            Some(("https", "shop.example.com"))
        );
        assert_eq!(
            split_public_base_url("https://shop.example.com:8443/"),
            Some(("https", "shop.example.com:8443"))
        );
        for bad in [
            "shop.example.com",
            "://h",
            "https://",
            "https:///x",
            "https://h/graphql",
            "https://h?x",
            "https://h#x",
            "1http://h",
            "https://h h",
        ] {
            assert_eq!(split_public_base_url(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn url_splitting() {
        assert_eq!(
            split_url("https://Host:8443/a/b?x=1&y#frag"),
            Some(UrlParts {
                scheme: "https",
                authority: "Host:8443",
                path: "/a/b",
                query: Some("x=1&y"),
            })
        );
        assert_eq!(
            split_url("http://h"),
            Some(UrlParts {
                scheme: "http",
                authority: "h",
                path: "",
                query: None,
            })
        );
        assert_eq!(
            split_url("http://h?q=/x"),
            Some(UrlParts {
                scheme: "http",
                authority: "h",
                path: "",
                query: Some("q=/x"),
            })
        );
        assert_eq!(split_url("/graphql"), None);
        assert_eq!(split_url("http:///graphql"), None);
    }
}
