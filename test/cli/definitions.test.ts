// The CLI is built from one list of command definitions (src/cli/definitions): every definition
// becomes exactly that command with exactly its flags, and nothing else is added beside the list.
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { COMMANDS } from '../../dist/src/cli/definitions/index.js';
import { buildProgram } from '../../dist/src/cli/program.js';

const io = { stdout: { write: () => true }, stderr: { write: () => true } } as never;

function find(program: Command, name: string): Command | undefined {
  let cmd: Command | undefined = program;
  for (const word of name.split(' ')) cmd = cmd?.commands.find((c) => c.name() === word);
  return cmd;
}

function leaves(cmd: Command, path: string[] = []): string[] {
  if (cmd.commands.length === 0) return [path.join(' ')];
  return cmd.commands.flatMap((c) => leaves(c, [...path, c.name()]));
}

describe('the command definitions are the registry', () => {
  const program = buildProgram(io, 'glacier-multipart', async () => undefined);

  it('every runnable command of the program is one definition, and every definition is a command', () => {
    expect(leaves(program).sort()).toEqual(COMMANDS.map((d) => d.name).sort());
  });

  it.each(COMMANDS.map((d) => [d.name, d] as const))('%s has exactly the flags its definition lists, under their keys', (name, d) => {
    const cmd = find(program, name)!;
    const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const expected = Object.entries(d.flags as Record<string, { flags: string; negate?: string }>)
      .flatMap(([key, f]) => [f.flags, ...(f.negate ? [`--no-${kebab(key)}`] : [])]);
    expect(cmd.options.map((o) => o.flags)).toEqual(expected);
    // Each value lands under its definition's key (a negation under the flag it negates).
    for (const o of cmd.options) expect(Object.keys(d.flags)).toContain(o.attributeName());
  });

  it('runs the definition the command line names, with its parsed arguments and typed flag values', async () => {
    const calls: { name: string; args: unknown[]; opts: Record<string, unknown> }[] = [];
    const p = buildProgram(io, 'glacier-multipart', async (d, args, opts) => void calls.push({ name: d.name, args, opts }));
    await p.parseAsync(['upload', 'f.bin', '--vault', 'v', '--max-attempts', '7', '--no-journal', '--part-size', '8MiB'], { from: 'user' });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.name).toBe('upload');
    expect(calls[0]!.args).toEqual(['f.bin']);
    expect(calls[0]!.opts).toMatchObject({ vault: 'v', maxAttempts: 7, journal: false, partSize: 8 * 1024 * 1024, accountId: '-', progress: 'auto', engine: 'auto' });
  });
});
