#!/usr/bin/env node
// session-server.js: the smallest session server the seed's ProcessManager could start (`node session-server.js`).
// Node.js only, no dependencies. Serves GET /api/health on 127.0.0.1:$SESSION_SERVER_PORT (default 3000) and exits
// on SIGTERM or SIGINT after closing the listener. The benchmarks use it where `node` exists: a hundred of these
// cost far less memory and start-up than a hundred JVMs.
'use strict';
const http = require('http');

const portText = process.env.SESSION_SERVER_PORT || '3000';
const port = Number(portText);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`session-server: invalid SESSION_SERVER_PORT='${portText}' (expected 1-65535)`);
  process.exit(2);
}
const host = process.env.SESSION_SERVER_HOST || '127.0.0.1';
const started = Date.now();

const server = http.createServer((req, res) => {
  if (req.url === '/api/health' && (req.method === 'GET' || req.method === 'HEAD')) {
    const body = JSON.stringify({ status: 'ok', pid: process.pid, uptimeMs: Date.now() - started });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  } else {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found\n');
  }
});

server.on('error', (err) => {
  console.error(`session-server: cannot listen on ${host}:${port}: ${err.message}`);
  process.exit(1);
});

server.listen(port, host, () => {
  console.log(`session-server: listening on ${host}:${port} pid=${process.pid}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    console.log(`session-server: received ${signal}, shutting down`);
    server.close(() => process.exit(0));
    server.closeAllConnections && server.closeAllConnections();
  });
}
