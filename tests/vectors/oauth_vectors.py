#!/usr/bin/env python3
"""Independent OAuth 1.0a test vectors for src/oauth (customer-token).

Produced with oauthlib (https://github.com/oauthlib/oauthlib), not with the Rust code under test:

    python3 -m venv /tmp/oavenv && /tmp/oavenv/bin/pip install oauthlib
    /tmp/oavenv/bin/python tests/vectors/oauth_vectors.py

The Rust tests in src/oauth/*.rs hardcode the printed values (oauthlib 4.0.1 printed them).
Every vector signs with `oauthlib.oauth1.Client` (a fixed nonce and timestamp) and, separately,
recomputes the base string with oauthlib's `signature` module; the script asserts that both
agree, so each printed base string is the one the printed signature was made over.
"""

import urllib.parse

import oauthlib
from oauthlib.oauth1 import Client, SIGNATURE_HMAC_SHA1, SIGNATURE_HMAC_SHA256
from oauthlib.oauth1.rfc5849 import signature, utils


def rust_str(s):
    """A Rust string literal (escapes only what Rust needs)."""
    out = []
    for ch in s:
        if ch == '\\':
            out.append('\\\\')
        elif ch == '"':
            out.append('\\"')
        elif ch == '\n':
            out.append('\\n')
        elif ord(ch) < 0x20 or ord(ch) > 0x7e:
            out.append('\\u{%x}' % ord(ch))
        else:
            out.append(ch)
    return '"' + ''.join(out) + '"'


def vector(name, *, method, url, consumer_key, consumer_secret, token, token_secret,
           signature_method, timestamp, nonce, form_body=None, content_type=None, realm=None):
    headers = {}
    if form_body is not None:
        headers['Content-Type'] = content_type or 'application/x-www-form-urlencoded'
    client = Client(consumer_key, client_secret=consumer_secret,
                    resource_owner_key=token, resource_owner_secret=token_secret,
                    signature_method=signature_method, realm=realm,
                    nonce=nonce, timestamp=str(timestamp))
    _uri, signed_headers, _body = client.sign(url, http_method=method, body=form_body,
                                              headers=headers)
    authorization = signed_headers['Authorization']

    # Recompute the base string independently of Client.sign, from the signed request.
    parsed = urllib.parse.urlparse(url)
    body_for_params = form_body if (form_body is not None and content_type is None) else None
    params = signature.collect_parameters(uri_query=parsed.query, body=body_for_params,
                                          headers={'Authorization': authorization})
    base_string = signature.signature_base_string(
        method, signature.base_string_uri(url), signature.normalize_parameters(params))
    if signature_method == SIGNATURE_HMAC_SHA1:
        sig = signature.sign_hmac_sha1(base_string, consumer_secret, token_secret)
    else:
        sig = signature.sign_hmac_sha256(base_string, consumer_secret, token_secret)
    header_params = dict(utils.parse_authorization_header(authorization))
    assert utils.unescape(header_params['oauth_signature']) == sig, (name, header_params['oauth_signature'], sig)

    print(f'// --- {name} ---')
    print(f'method: {rust_str(method)}')
    print(f'url: {rust_str(url)}')
    if form_body is not None:
        print(f'body ({headers["Content-Type"]}): {rust_str(form_body)}')
    print(f'consumer_key: {rust_str(consumer_key)}  consumer_secret: {rust_str(consumer_secret)}')
    print(f'token: {rust_str(token)}  token_secret: {rust_str(token_secret)}')
    print(f'signature_method: {signature_method}  timestamp: {timestamp}  nonce: {rust_str(nonce)}'
          + (f'  realm: {rust_str(realm)}' if realm else ''))
    print(f'base_string: {rust_str(base_string)}')
    print(f'signature: {rust_str(sig)}')
    print(f'authorization: {rust_str(authorization)}')
    print()
    return base_string, sig


def rfc5849_section_3_4_1_1():
    """RFC 5849 §3.4.1.1: the base string of the worked example (its secrets are not published)."""
    query = 'b5=%3D%253D&a3=a&c%40=&a2=r%20b'
    body = 'c2&a3=2+q'
    authorization = ('OAuth realm="Example", oauth_consumer_key="9djdj82h48djs9d2", '
                     'oauth_token="kkk9d7dh3k39sjv7", oauth_signature_method="HMAC-SHA1", '
                     'oauth_timestamp="137131201", oauth_nonce="7d8f3e4a", '
                     'oauth_signature="bYT5CMsGcbgUdFHObYMEfcx6bsw%3D"')
    params = signature.collect_parameters(uri_query=query, body=body,
                                          headers={'Authorization': authorization})
    base_string = signature.signature_base_string(
        'POST', signature.base_string_uri('http://example.com/request'),
        signature.normalize_parameters(params))
    rfc_text = ('POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q'
                '%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_'
                'key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m'
                'ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk'
                '9d7dh3k39sjv7')
    assert base_string == rfc_text, base_string
    print('// --- RFC 5849 3.4.1.1 (base string equals the RFC text) ---')
    print(f'base_string: {rust_str(base_string)}')
    print()


def main():
    print(f'// oauthlib {oauthlib.__version__}')
    print()
    rfc5849_section_3_4_1_1()

    # RFC 5849 §1.2 (no oauth_version in that example; oauthlib always sends one, so the
    # stepwise path is used here).
    params = [('file', 'vacation.jpg'), ('size', 'original'),
              ('oauth_consumer_key', 'dpf43f3p2l4k3l03'), ('oauth_token', 'nnch734d00sl2jdk'),
              ('oauth_signature_method', 'HMAC-SHA1'), ('oauth_timestamp', '137131202'),
              ('oauth_nonce', 'chapoH')]
    bs = signature.signature_base_string('GET', 'http://photos.example.net/photos',
                                         signature.normalize_parameters(params))
    sig = signature.sign_hmac_sha1(bs, 'kd94hf93k423kf44', 'pfkkdhi9sl3r4s00')
    print('// --- RFC 5849 1.2 (RFC prints MdpQcU8iPSUjWoN/UDMsK2sui9I=) ---')
    print(f'base_string: {rust_str(bs)}')
    print(f'signature: {rust_str(sig)}')
    print()

    # OAuth Core 1.0 Appendix A.5 (the classic photos example, with oauth_version=1.0).
    vector('OAuth Core 1.0 A.5 (spec prints tR3+Ty81lMeYAr/Fid0kMTYa/WM=)',
           method='GET', url='http://photos.example.net/photos?file=vacation.jpg&size=original',
           consumer_key='dpf43f3p2l4k3l03', consumer_secret='kd94hf93k423kf44',
           token='nnch734d00sl2jdk', token_secret='pfkkdhi9sl3r4s00',
           signature_method=SIGNATURE_HMAC_SHA1, timestamp=1191242096, nonce='kllo9940pd9333jh')

    creds = dict(consumer_key='ck-3f9a1c', consumer_secret='cs-8d7e6f5a4b3c2d1e',
                 token='tk-0a1b2c3d', token_secret='ts-9z8y7x6w5v4u')

    vector('V1 HMAC-SHA256 POST https JSON body (body not signed; oauthlib adds oauth_body_hash)',
           method='POST', url='https://shop.example.com/graphql',
           signature_method=SIGNATURE_HMAC_SHA256, timestamp=1748499421,
           nonce='n0nce-V1', form_body='{"query":"{ __typename }"}',
           content_type='application/json', **creds)

    vector('V2 HMAC-SHA1 POST with query params: spaces, plus, reserved, unicode, duplicates',
           method='POST',
           url=('http://api.example.com/graphql?b=2&a=x%20y&a=x+y&plus=%2B&r=%21%2A%27%28%29%3B%3A%40'
                '%26%3D%2B%24%2C%2F%3F%23%5B%5D&u=J%C3%BCrgen%E2%82%AC&empty=&tilde=~-._'),
           signature_method=SIGNATURE_HMAC_SHA1, timestamp=1700000000, nonce='abcDEF123',
           **creds)

    vector('V3 HMAC-SHA256 POST form body with plus, %20, unicode, duplicate names',
           method='POST', url='https://shop.example.com/graphql?z=last',
           form_body='name=J%C3%BCrgen+M%C3%BCller&a=1&a=0&sp=a%20b&amp=%26&z=first',
           signature_method=SIGNATURE_HMAC_SHA256, timestamp=1700000001, nonce='f0rm',
           **creds)

    vector('V4 HMAC-SHA256 explicit non-default port, upper-case host',
           method='POST', url='http://LocalHost:8080/graphql',
           signature_method=SIGNATURE_HMAC_SHA256, timestamp=1700000002, nonce='p0rt',
           form_body='{}', content_type='application/json', **creds)

    vector('V5 HMAC-SHA1 https default port 443 dropped, realm in header',
           method='POST', url='https://Shop.Example.COM:443/graphql',
           signature_method=SIGNATURE_HMAC_SHA1, timestamp=1700000003, nonce='r3alm',
           realm='Commerce', **creds)

    vector('V6 HMAC-SHA256 secrets and key/token with reserved and non-ASCII characters',
           method='POST', url='https://shop.example.com/graphql',
           consumer_key='key with space&amp', consumer_secret='s&e=c r+t~\u00e9',
           token='t\u00f6ken/1', token_secret='%41 b&c',
           signature_method=SIGNATURE_HMAC_SHA256, timestamp=1700000004, nonce='n/o n+c=e')

    vector('V7 HMAC-SHA1 GET path with encoded characters and lower-case method',
           method='get', url='http://example.com/a%20b/c%2Fd~e',
           signature_method=SIGNATURE_HMAC_SHA1, timestamp=1700000005, nonce='p4th',
           **creds)

    vector('V8 HMAC-SHA256 empty secrets',
           method='POST', url='http://example.com:80/graphql',
           consumer_key='k', consumer_secret='', token='t', token_secret='',
           signature_method=SIGNATURE_HMAC_SHA256, timestamp=1700000006, nonce='e')


if __name__ == '__main__':
    main()
