#!/usr/bin/env python3
"""Signs a GraphQL request with oauthlib (an OAuth 1.0a implementation independent of ours),
sends it, and prints the HTTP status and body as one JSON line.

Credentials come from the environment (OAUTH_CONSUMER_KEY, OAUTH_CONSUMER_SECRET,
OAUTH_ACCESS_TOKEN, OAUTH_ACCESS_TOKEN_SECRET). --tamper changes one byte of the signed request
after signing: `signature` flips a character of oauth_signature, `query` a byte of the URL's
query string.
"""
import argparse
import json
import os
import sys
import urllib.error
import urllib.request

from oauthlib import oauth1


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--query-file", required=True)
    parser.add_argument("--method", default="HMAC-SHA256", choices=["HMAC-SHA256", "HMAC-SHA1"])
    parser.add_argument("--tamper", choices=["signature", "query"])
    args = parser.parse_args()

    with open(args.query_file, encoding="utf-8") as handle:
        body = json.dumps({"query": handle.read()}).encode()
    client = oauth1.Client(
        os.environ["OAUTH_CONSUMER_KEY"],
        client_secret=os.environ["OAUTH_CONSUMER_SECRET"],
        resource_owner_key=os.environ["OAUTH_ACCESS_TOKEN"],
        resource_owner_secret=os.environ["OAUTH_ACCESS_TOKEN_SECRET"],
        signature_method=args.method,
    )
    # A JSON body is not part of the signature (RFC 5849 §3.4.1.3), so it is not passed here.
    url, headers, _ = client.sign(args.url, http_method="POST")
    authorization = headers["Authorization"]
    if args.tamper == "signature":
        marker = 'oauth_signature="'
        at = authorization.index(marker) + len(marker)
        flipped = "B" if authorization[at] == "A" else "A"
        authorization = authorization[:at] + flipped + authorization[at + 1 :]
    elif args.tamper == "query":
        url = url[:-1] + ("2" if url[-1] != "2" else "3")

    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Authorization": authorization, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    print(json.dumps({"status": status, "body": json.loads(text)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
