#!/usr/bin/env python3
"""Signs a GraphQL request with oauthlib (an OAuth 1.0a implementation independent of ours),
sends it, and prints the HTTP status, headers and body as one JSON line.

Credentials come from the environment (OAUTH_CONSUMER_KEY, OAUTH_CONSUMER_SECRET,
OAUTH_ACCESS_TOKEN, OAUTH_ACCESS_TOKEN_SECRET). --tamper changes one byte of the signed request
after signing: `signature` flips a character of oauth_signature, `query` a byte of the URL's
query string. --nonce and --timestamp fix those oauth parameters (to replay a request later).
--authorization sends that header instead of signing (a Bearer token, say), and --http-method GET
sends the query in the URL, as Adobe's drop-ins do. --count N signs N requests, each with its own
nonce, sends them at the same moment from N threads and prints a JSON list of the replies.
"""
import argparse
import json
import os
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

from oauthlib import oauth1


def sign(args, url):
    client = oauth1.Client(
        os.environ["OAUTH_CONSUMER_KEY"],
        client_secret=os.environ["OAUTH_CONSUMER_SECRET"],
        resource_owner_key=os.environ["OAUTH_ACCESS_TOKEN"],
        resource_owner_secret=os.environ["OAUTH_ACCESS_TOKEN_SECRET"],
        signature_method=args.method,
        nonce=args.nonce,
        timestamp=args.timestamp,
    )
    # A JSON body is not part of the signature (RFC 5849 §3.4.1.3), so it is not passed here.
    url, headers, _ = client.sign(url, http_method=args.http_method)
    authorization = headers["Authorization"]
    if args.tamper == "signature":
        marker = 'oauth_signature="'
        at = authorization.index(marker) + len(marker)
        flipped = "B" if authorization[at] == "A" else "A"
        authorization = authorization[:at] + flipped + authorization[at + 1 :]
    elif args.tamper == "query":
        url = url[:-1] + ("2" if url[-1] != "2" else "3")
    return url, authorization


def prepare(args, query):
    """The request to send: (url, body or None, headers)."""
    url, body = args.url, None
    if args.http_method == "GET":
        separator = "&" if "?" in url else "?"
        url = url + separator + urllib.parse.urlencode({"query": query})
    else:
        body = json.dumps({"query": query}).encode()
    headers = {"Content-Type": "application/json"}
    for header in args.header:
        name, _, value = header.partition(":")
        headers[name.strip()] = value.strip()
    if args.authorization is not None:
        headers["Authorization"] = args.authorization
    elif not args.unsigned:
        url, headers["Authorization"] = sign(args, url)
    return url, body, headers


def send(url, body, headers):
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, reply_headers, text = response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        status, reply_headers, text = error.code, error.headers, error.read().decode()
    try:
        body = json.loads(text)
    except ValueError:  # not JSON (a host's own 404, say): the text as received
        body = text
    return {
        "status": status,
        "headers": {name.lower(): value for name, value in reply_headers.items()},
        "body": body,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--query-file")
    source.add_argument("--query")
    parser.add_argument("--method", default="HMAC-SHA256", choices=["HMAC-SHA256", "HMAC-SHA1"])
    parser.add_argument("--http-method", default="POST", choices=["POST", "GET"])
    parser.add_argument("--tamper", choices=["signature", "query"])
    parser.add_argument("--nonce")
    parser.add_argument("--timestamp")
    parser.add_argument("--authorization", help="send this Authorization header instead of signing")
    parser.add_argument("--unsigned", action="store_true", help="send no Authorization header")
    parser.add_argument("--header", action="append", default=[], help="`Name: value`, repeatable")
    parser.add_argument("--count", type=int, help="send this many signed requests at once")
    args = parser.parse_args()

    if args.query_file is not None:
        with open(args.query_file, encoding="utf-8") as handle:
            query = handle.read()
    else:
        query = args.query

    if args.count is None:
        print(json.dumps(send(*prepare(args, query))))
        return 0

    requests = [prepare(args, query) for _ in range(args.count)]
    replies = [None] * args.count
    start = threading.Barrier(args.count)

    def run(index):
        start.wait()
        try:
            replies[index] = send(*requests[index])
        except Exception as error:  # reported in the output, not lost in a thread
            replies[index] = {"status": 0, "headers": {}, "body": {"client_error": repr(error)}}

    threads = [threading.Thread(target=run, args=(index,)) for index in range(args.count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps(replies))
    return 0


if __name__ == "__main__":
    sys.exit(main())
