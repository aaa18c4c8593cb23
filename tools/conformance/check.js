// check.js: the verdict of a conformance run.
//
//   node check.js OAS EXCEPTIONS EXCHANGES [--complete]
//
// EXCHANGES is recorder.js's log (one JSON line per request: method, path,
// status, Prism's violations). Each violation must be explained by an
// entry of EXCEPTIONS (contract/oas-exceptions.json): a place where
// Adobe's OAS itself is wrong, with the evidence. Anything else fails the
// run. It prints what the traffic covered (requests, OAS operations) and
// each exception with how often it was needed; an exception never needed
// is reported too, so the file does not outlive its reasons. With
// --complete (make conformance's full traffic) an OAS operation the
// traffic never exercised, or an exception it never needed, fails the
// run too: coverage cannot shrink unnoticed, and an exception goes once
// the emulator or the client no longer needs it.
'use strict';

const fs = require('fs');

const [oasPath, exceptionsPath, exchangesPath, mode] = process.argv.slice(2);
const complete = mode === '--complete';

// The OAS's operations: `  /path:` keys and their `    method:` keys.
// A line scan is enough for this file's layout and needs no YAML parser.
function operations(text) {
  const ops = [];
  let path = null;
  let inPaths = false;
  for (const line of text.split('\n')) {
    if (/^\S/.test(line)) inPaths = line.startsWith('paths:');
    if (!inPaths) continue;
    const p = line.match(/^  (\/\S*):\s*$/);
    if (p) { path = p[1]; continue; }
    const m = line.match(/^    (get|put|post|patch|delete):\s*$/);
    if (m && path) ops.push({ method: m[1].toUpperCase(), path });
  }
  return ops;
}

function pattern(template) {
  const body = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&')
    .replace(/\{[^}]+\}/g, '[^/]+');
  return new RegExp('^' + body + '$');
}

// The operation a request is, as Prism would route it: an exact match of
// the path first (so /flows/search is not /flows/{FLOW_ID}), then a
// template; null when the OAS has none.
function operationOf(ops, method, path) {
  const bare = path.replace(/\?.*$/, '').replace(/^\/data\/foundation\/flowservice/, '');
  const same = ops.filter((o) => o.method === method);
  return same.find((o) => o.path === bare)
    || same.find((o) => !o.path.includes('{') && o.path === bare + '/')
    || same.find((o) => pattern(o.path).test(bare))
    || same.find((o) => pattern(o.path).test(bare + '/'))
    || null;
}

// `operation` and `status` may each be one value or a list of them.
function oneOf(wanted, value) {
  if (wanted === undefined) return true;
  return (Array.isArray(wanted) ? wanted : [wanted]).includes(value);
}

function explains(exc, op, exchange, v) {
  if (!oneOf(exc.operation, op ? op.method + ' ' + op.path : null)) {
    return false;
  }
  if (!oneOf(exc.status, exchange.status)) return false;
  const where = (v.location || []).join('.');
  if (exc.location && !new RegExp(exc.location).test(where)) return false;
  return new RegExp(exc.message).test(v.message || '');
}

const ops = operations(fs.readFileSync(oasPath, 'utf8'));
const exceptions = JSON.parse(fs.readFileSync(exceptionsPath, 'utf8')).exceptions;
for (const e of exceptions) {
  for (const key of ['id', 'message', 'why', 'evidence']) {
    if (typeof e[key] !== 'string' || e[key] === '') {
      throw new Error(`exception ${e.id || '?'} has no ${key}`);
    }
  }
  e.used = 0;
}
const exchanges = fs.readFileSync(exchangesPath, 'utf8').split('\n')
  .filter((l) => l !== '').map((l) => JSON.parse(l));

const covered = new Map();
const failures = [];
for (const x of exchanges) {
  const op = operationOf(ops, x.method, x.path);
  const name = op ? op.method + ' ' + op.path : '(no OAS operation) ' + x.method;
  covered.set(name, (covered.get(name) || 0) + 1);
  for (const v of x.violations) {
    const exc = exceptions.find((e) => explains(e, op, x, v));
    if (exc) exc.used += 1;
    else failures.push({ x, name, v });
  }
}

console.log(`conformance: ${exchanges.length} requests, ${covered.size} of ` +
  `${ops.length} OAS operations exercised`);
for (const [name, n] of [...covered].sort()) {
  console.log(`  ${String(n).padStart(5)}  ${name}`);
}
console.log(`conformance: ${exceptions.length} recorded OAS exceptions ` +
  '(contract/oas-exceptions.json)');
for (const e of exceptions) {
  console.log(`  ${String(e.used).padStart(5)}  ${e.id}${e.used ? '' : '  (not needed by this traffic)'}`);
}
if (failures.length > 0) {
  console.log(`conformance: FAIL: ${failures.length} violation(s) no ` +
    'exception explains:');
  const seen = new Set();
  for (const f of failures) {
    const line = `  ${f.x.method} ${f.x.path} -> ${f.x.status} [${f.name}]: ` +
      `${(f.v.location || []).join('.')}: ${f.v.message}`;
    if (!seen.has(line)) console.log(line);
    seen.add(line);
  }
  console.log('Fix the emulator or the client, or, if the OAS is wrong, add ' +
    'an exception with its evidence to contract/oas-exceptions.json.');
  process.exit(1);
}
const unexercised = ops.map((o) => o.method + ' ' + o.path)
  .filter((name) => !covered.has(name));
const unneeded = exceptions.filter((e) => e.used === 0).map((e) => e.id);
if (complete && (unexercised.length > 0 || unneeded.length > 0)) {
  for (const name of unexercised) {
    console.log(`conformance: FAIL: no request exercised ${name}`);
  }
  for (const id of unneeded) {
    console.log(`conformance: FAIL: exception ${id} was not needed; ` +
      'remove it from contract/oas-exceptions.json');
  }
  process.exit(1);
}
if (exchanges.length === 0) {
  console.log('conformance: FAIL: no traffic was recorded');
  process.exit(1);
}
console.log('conformance: PASS: no violation beyond the recorded exceptions');
