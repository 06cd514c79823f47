// The comparison the product exists to beat: `exchangeExternalCustomerToken` as an App
// Builder-style Node.js action would serve it — graphql-js (from npm) parsing, validating and
// executing every request, an OAuth 1.0a HMAC check with a single-use nonce, customers in a Map,
// and an HS256 token with Magento's claims — on Node's own HTTP server.
//
// Usage: node server.mjs <port> [--cache-documents] (credentials and the token secret from the environment:
// OAUTH_CONSUMER_KEY, OAUTH_CONSUMER_SECRET, OAUTH_ACCESS_TOKEN, OAUTH_ACCESS_TOKEN_SECRET,
// CUSTOMER_TOKEN_SECRET). It prints "listening <port>" once it serves.
// The bench (`--only node`) installs graphql-js and runs it; it is not part of the product.

import { createServer } from 'node:http';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { buildSchema, execute, graphql, parse, validate } from 'graphql';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const credentials = {
  consumerKey: env('OAUTH_CONSUMER_KEY'),
  consumerSecret: env('OAUTH_CONSUMER_SECRET'),
  token: env('OAUTH_ACCESS_TOKEN'),
  tokenSecret: env('OAUTH_ACCESS_TOKEN_SECRET'),
};
const tokenSecret = env('CUSTOMER_TOKEN_SECRET');
const WINDOW_SECONDS = 600;

const schema = buildSchema(`
  type Customer { email: String firstname: String lastname: String is_subscribed: Boolean }
  input CustomerCreateInput { firstname: String! lastname: String! email: String! is_subscribed: Boolean }
  input ExchangeExternalCustomerTokenInput { customer: CustomerCreateInput! }
  type ExchangeExternalCustomerTokenOutput { customer: Customer! token: String! }
  type Query { customer: Customer }
  type Mutation {
    exchangeExternalCustomerToken(input: ExchangeExternalCustomerTokenInput!): ExchangeExternalCustomerTokenOutput
  }
`);

// RFC 3986 percent-encoding, as OAuth 1.0a wants it.
const encode = (text) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

function oauthParams(header) {
  if (!header || !header.startsWith('OAuth ')) return null;
  const params = {};
  for (const part of header.slice(6).split(',')) {
    const match = part.trim().match(/^([^=]+)="(.*)"$/);
    if (!match) return null;
    params[decodeURIComponent(match[1])] = decodeURIComponent(match[2]);
  }
  return params;
}

const usedNonces = new Map(); // consumer key + nonce -> timestamp

function verify(request, body) {
  const params = oauthParams(request.headers.authorization);
  if (!params) return 'parameter_absent';
  const method = params.oauth_signature_method;
  const algorithm = { 'HMAC-SHA256': 'sha256', 'HMAC-SHA1': 'sha1' }[method];
  if (!algorithm) return 'signature_method_rejected';
  if (params.oauth_consumer_key !== credentials.consumerKey) return 'consumer_key_rejected';
  if (params.oauth_token !== credentials.token) return 'token_rejected';
  const timestamp = Number(params.oauth_timestamp);
  const now = Math.floor(Date.now() / 1000);
  if (!Number.isInteger(timestamp) || Math.abs(now - timestamp) > WINDOW_SECONDS) return 'timestamp_refused';
  if (params.oauth_body_hash !== undefined) {
    const hash = createHash(algorithm).update(body).digest('base64');
    if (hash !== params.oauth_body_hash) return 'signature_invalid';
  }
  const url = new URL(request.url, `http://${request.headers.host}`);
  const pairs = Object.entries(params).filter(([key]) => key !== 'oauth_signature' && key !== 'realm');
  for (const [key, value] of url.searchParams) pairs.push([key, value]);
  const normalized = pairs
    .map(([key, value]) => [encode(key), encode(value)])
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const baseString = ['POST', encode(`${url.protocol}//${url.host}${url.pathname}`), encode(normalized)].join('&');
  const key = `${encode(credentials.consumerSecret)}&${encode(credentials.tokenSecret)}`;
  const expected = createHmac(algorithm, key).update(baseString).digest();
  const given = Buffer.from(params.oauth_signature ?? '', 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'signature_invalid';
  const nonceKey = `${params.oauth_consumer_key}\0${params.oauth_nonce}`;
  if (usedNonces.has(nonceKey)) return 'nonce_used';
  usedNonces.set(nonceKey, timestamp);
  if (usedNonces.size % 1024 === 0) {
    for (const [k, t] of usedNonces) if (now - t > 2 * WINDOW_SECONDS) usedNonces.delete(k);
  }
  return null;
}

const base64url = (data) => Buffer.from(data).toString('base64url');

function customerToken(uid) {
  const iat = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ kid: '1', alg: 'HS256' }));
  const payload = base64url(JSON.stringify({ uid, utypid: 3, iat, exp: iat + 3600 }));
  const signature = createHmac('sha256', tokenSecret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

const customers = new Map(); // lower-cased email -> { id, email, firstname, lastname, is_subscribed }
let nextId = 1;

const rootValue = {
  exchangeExternalCustomerToken: ({ input }) => {
    const email = input.customer.email.trim().toLowerCase();
    let customer = customers.get(email);
    if (!customer) {
      customer = { id: nextId++, ...input.customer, is_subscribed: input.customer.is_subscribed ?? false };
      customers.set(email, customer);
    }
    return { customer, token: customerToken(customer.id) };
  },
  customer: () => null,
};

// With --cache-documents, each query text is parsed and validated once, as production GraphQL
// servers for Node.js do (graphql-jit, mercurius); only execution is left per request.
const cacheDocuments = process.argv.includes('--cache-documents');
const validated = new Map(); // query text -> { document } or { errors }
const MAX_CACHED_DOCUMENTS = 1024;

async function run({ query, variables }) {
  if (!cacheDocuments) return graphql({ schema, source: query, rootValue, variableValues: variables });
  let entry = validated.get(query);
  if (!entry) {
    try {
      const document = parse(query);
      const errors = validate(schema, document);
      entry = errors.length ? { errors } : { document };
    } catch (error) {
      entry = { errors: [error] };
    }
    if (validated.size >= MAX_CACHED_DOCUMENTS) validated.clear();
    validated.set(query, entry);
  }
  if (entry.errors) return { errors: entry.errors };
  return execute({ schema, document: entry.document, rootValue, variableValues: variables });
}

const send = (response, status, value) => {
  const body = JSON.stringify(value);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
};

const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', async () => {
    const body = Buffer.concat(chunks);
    const problem = verify(request, body);
    if (problem) {
      send(response, 403, {
        errors: [{ message: 'You do not have permission to access this resource.', extensions: { oauth_problem: problem } }],
      });
      return;
    }
    let document;
    try {
      document = JSON.parse(body.toString('utf8'));
    } catch {
      send(response, 400, { errors: [{ message: 'Unable to parse the request.' }] });
      return;
    }
    const result = await run(document);
    send(response, 200, result);
  });
});

const port = Number(process.argv[2] ?? 0);
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
