// recorder.js: the front door of a conformance run.
//
//   node recorder.js PORT PRISM_URL EMULATOR_URL LOG
//
// Flow Service requests (/data/foundation/flowservice/...) go to Prism,
// which validates each request and answer against Adobe's OAS and forwards
// to the emulator; everything else (the IMS token endpoint, which the OAS
// does not cover) goes to the emulator directly. For each Flow Service
// exchange one JSON line is appended to LOG: method, path, status and
// Prism's violations (its `sl-violations` header, removed from the answer
// the client sees). Prints `listening` once it accepts connections.
'use strict';

const http = require('http');
const fs = require('fs');

const [port, prismUrl, emulatorUrl, logPath] = process.argv.slice(2);
const BASE = '/data/foundation/flowservice';
const log = fs.openSync(logPath, 'a');

function target(url) {
  if (url === BASE || url.startsWith(BASE + '/') || url.startsWith(BASE + '?')) {
    return { origin: new URL(prismUrl), path: url.slice(BASE.length) || '/' };
  }
  return { origin: new URL(emulatorUrl), path: url };
}

function record(req, status, violations) {
  const line = JSON.stringify({ method: req.method, path: req.url, status,
    violations });
  fs.writeSync(log, line + '\n');
}

function forward(req, res, body) {
  const t = target(req.url);
  const headers = Object.assign({}, req.headers, { host: t.origin.host });
  const up = http.request({ host: t.origin.hostname, port: t.origin.port,
    method: req.method, path: t.path, headers }, (answer) => {
    const chunks = [];
    answer.on('data', (c) => chunks.push(c));
    answer.on('end', () => {
      const out = Object.assign({}, answer.headers);
      if (t.origin.href.startsWith(prismUrl)) {
        let violations = [];
        if (out['sl-violations']) violations = JSON.parse(out['sl-violations']);
        record(req, answer.statusCode, violations);
      }
      delete out['sl-violations'];
      res.writeHead(answer.statusCode, out);
      res.end(Buffer.concat(chunks));
    });
  });
  up.on('error', (e) => {
    record(req, 0, [{ location: ['proxy'], severity: 'Error',
      message: 'no answer from ' + t.origin.href + ': ' + e.message }]);
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end('conformance recorder: ' + e.message);
  });
  up.end(body);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => forward(req, res, Buffer.concat(chunks)));
});
server.keepAliveTimeout = 30000;
server.listen(Number(port), '127.0.0.1', () => console.log('listening'));
