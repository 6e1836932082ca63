#!/usr/bin/env node
// The `glacier-multipart` command. This entry is deliberately tiny: ES module imports are hoisted
// and evaluated before any statement here, so the AWS SDK's Node 20 deprecation warning can only be
// silenced by setting its variable first and loading everything else with a dynamic import.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { run } = await import('./program.js');
const { invocation } = await import('./invocation.js');

// First Ctrl-C: abort the signal every command watches (uploads stop cleanly and stay resumable).
// Second Ctrl-C: exit at once.
// SIGTERM (e.g. from a service manager) gets the same clean stop.
const interrupt = new AbortController();
let interrupts = 0;
const onSignal = (signal: NodeJS.Signals) => {
  interrupts++;
  if (interrupts === 1) {
    // Abort first: a progress bar listening on the signal goes away before this line is written.
    interrupt.abort(Object.assign(new Error(`Interrupted by ${signal === 'SIGINT' ? 'Ctrl-C' : signal}`), { name: 'AbortError' }));
    process.stderr.write(`\nglacier-multipart: stopping (${signal === 'SIGINT' ? 'press Ctrl-C again' : 'signal again'} to force)...\n`);
  } else {
    process.stderr.write('glacier-multipart: forced exit\n');
    process.exit(130);
  }
};
process.on('SIGINT', onSignal);
// `glacier-multipart hash * | head -1`: a reader that went away is not an error worth a stack
// trace. Stop the command as Ctrl-C would, so it still cleans up (serve removes its temporary
// directory), and leave without a word if it takes long.
// Any other write failure (ENOSPC: `download --out - > file` on a full disk) stops the command
// the same way, with one line saying why and exit status 1, never a stack trace.
let stdoutFailure: NodeJS.ErrnoException | undefined;
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE' && stdoutFailure === undefined) {
    stdoutFailure = err;
    process.stderr.write(`glacier-multipart: cannot write to stdout (${err.code ?? err.message}${err.code === 'ENOSPC' ? ': the disk it goes to is full' : ''}); stopping\n`);
  }
  if (!interrupt.signal.aborted) {
    interrupt.abort(Object.assign(new Error(err.code === 'EPIPE' ? 'stdout was closed' : `stdout failed: ${err.code ?? err.message}`), { name: 'AbortError', code: err.code === 'EPIPE' ? 'EPIPE' : 'STDOUT_FAILED' }));
  }
  setTimeout(() => process.exit(stdoutFailure ? 1 : process.exitCode ?? 0), 2000).unref();
});
process.on('SIGTERM', onSignal);

process.exitCode = await run(process.argv.slice(2), process, { signal: interrupt.signal, self: invocation() });
if (stdoutFailure) process.exitCode = 1;
// Every command closes what it opened; should anything still hold the event loop (a socket the
// SDK keeps alive, say), do not hang the shell after the work is done.
setTimeout(() => process.exit(), 3000).unref();
