import { accessSync, constants, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { shellQuote } from './quote.js';

const NAME = 'glacier-multipart';

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/** The first executable `name` on PATH, as a shell would find it. */
function onPath(name: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * How to run this CLI again, for the next-step commands it prints: a bare `glacier-multipart` only
 * when that name on PATH is this very program; `npx glacier-multipart` when npx started it (npx
 * puts the package's bin on PATH only for its own child); otherwise `node <absolute main.js>`.
 */
export function invocation(argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): string {
  const script = argv[1];
  if (!script) return NAME;
  const found = onPath(NAME, env.PATH);
  const isThis = found !== undefined && sameFile(found, script);
  // npx, and npm scripts, put node_modules/.bin on PATH for their child only: a later shell needs npx.
  if (env.npm_command === 'exec' && (isThis || /(^|[/\\])glacier-multipart$/.test(script))) return `npx ${NAME}`;
  if (isThis) return /node_modules[/\\]\.bin$/.test(dirname(found)) ? `npx ${NAME}` : NAME;
  const node = argv[0] ?? process.execPath;
  const nodeOnPath = onPath('node', env.PATH);
  return `${nodeOnPath && sameFile(nodeOnPath, node) ? 'node' : shellQuote(node)} ${shellQuote(script)}`;
}
