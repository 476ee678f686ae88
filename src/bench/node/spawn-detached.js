#!/usr/bin/env node
// spawn-detached.js: the bench's baseline for the `outside` figure (OutsideBenchmarks.java): what a Node.js caller
// does to start the same server detached, with nothing else around it.
//
// Protocol (one line per message, on stdin and stdout):
//   prints  `ready <own pid>`                        once its modules are loaded, before any spawn: the bench starts
//                                                     its clock only after this line, so node's own start-up is not
//                                                     counted
//   reads   `spawn <port> <server script path>`      spawns `process.execPath <script>` with {detached: true,
//                                                     stdio: 'ignore'} and SESSION_SERVER_PORT=<port>
//   prints  `spawned <child pid> <t0> <t1>`          t0, t1: process.hrtime.bigint() just before and after the
//                                                     spawn() call (CLOCK_MONOTONIC on Linux, the clock of Java's
//                                                     System.nanoTime(), so the bench can see the pipe's delay)
//   prints  `error <text>`                           when a command is malformed or the spawn failed
// Exits when stdin closes. It never kills what it spawned: the bench stops each server by PID.
'use strict';
const { spawn } = require('child_process');
const readline = require('readline');

function say(line) {
  process.stdout.write(line + '\n');
}

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const m = /^spawn (\d+) (.+)$/.exec(line);
  if (!m) {
    say(`error unknown command: ${line}`);
    return;
  }
  const env = Object.assign({}, process.env, { SESSION_SERVER_PORT: m[1] });
  const options = { detached: true, stdio: 'ignore', env };
  const t0 = process.hrtime.bigint();
  let child;
  try {
    child = spawn(process.execPath, [m[2]], options);
  } catch (err) {
    say(`error spawn failed: ${err.message}`);
    return;
  }
  const t1 = process.hrtime.bigint();
  if (child.pid === undefined) {
    child.once('error', (err) => say(`error spawn failed: ${err.message}`));
    return;
  }
  child.on('error', () => {}); // reported above when it matters; never crash the baseline
  child.unref();
  say(`spawned ${child.pid} ${t0} ${t1}`);
});
lines.on('close', () => process.exit(0));

say(`ready ${process.pid}`);
