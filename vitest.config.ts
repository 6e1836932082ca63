import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run against the compiled package in dist/ (built by `pretest`), so the Piscina worker
// files and the embedded WebAssembly are exercised exactly as users get them.
const dist = (p: string) => fileURLToPath(new URL(`./dist/src/${p}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^glacier-multipart\/hash$/, replacement: dist('hash/index.js') },
      { find: /^glacier-multipart$/, replacement: dist('index.js') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most tests wait on servers and child processes, not the CPU: two files at once on 2 cores.
    maxWorkers: 2,
    reporters: ['default', './test/plain-summary-reporter.ts'],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
