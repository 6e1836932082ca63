#!/usr/bin/env node
// The `glacier-multipart` command. This entry is deliberately tiny: ES module imports are hoisted
// and evaluated before any statement here, so the AWS SDK's Node 20 deprecation warning can only be
// silenced by setting its variable first and loading everything else with a dynamic import.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { run } = await import('./program.js');

// First Ctrl-C: abort the signal every command watches (uploads stop cleanly and stay resumable).
// Second Ctrl-C: exit at once.
const interrupt = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  interrupts++;
  if (interrupts === 1) {
    process.stderr.write('\nglacier-multipart: stopping (press Ctrl-C again to force)...\n');
    interrupt.abort(Object.assign(new Error('Interrupted by Ctrl-C'), { name: 'AbortError' }));
  } else {
    process.stderr.write('glacier-multipart: forced exit\n');
    process.exit(130);
  }
});

process.exitCode = await run(process.argv.slice(2), process, { signal: interrupt.signal });
