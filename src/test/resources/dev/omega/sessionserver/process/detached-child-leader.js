// A server that exits at once on SIGTERM (node's default: no handler) and has left a child in a session of its own
// (`detached: true` makes it a session leader), found only through its parent. Used by ProcessManagerLifecycleTest.
'use strict';
const { spawn } = require('child_process');
spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
setInterval(() => {}, 1000);
