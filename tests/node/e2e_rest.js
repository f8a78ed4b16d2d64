// Sends HTTP requests to the REST port with fetch, as the client UI and
// tools do, and prints what came back.
//
// Usage: node e2e_rest.js BASE_URL REQUESTS_JSON
// REQUESTS_JSON: [{ "method": "GET", "path": "/status", "headers": {}, "body": "..." }]
// Prints: [{ "status": 200, "headers": { name: value }, "body": "..." }]
"use strict";
const [base, requestsJson] = process.argv.slice(2);

async function main() {
  const out = [];
  for (const r of JSON.parse(requestsJson)) {
    const res = await fetch(base + r.path, {
      method: r.method,
      headers: r.headers || {},
      body: r.body,
    });
    const headers = {};
    res.headers.forEach((v, k) => (headers[k] = v));
    out.push({ status: res.status, headers, body: await res.text() });
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e && e.stack ? e.stack : String(e));
    process.exit(1);
  },
);
