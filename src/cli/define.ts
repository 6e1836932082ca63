/**
 * A CLI command defined once: its words, arguments and typed flags, and the implementation it runs
 * (loaded only then, so `--help` and usage errors never load the AWS SDK). The program is built
 * from the list of definitions (definitions/index.ts), and each implementation receives its flags
 * with the types their parsers produce.
 */
import { Command, Option } from 'commander';
import type { Context } from './output.js';

/** One flag: what commander needs to parse it, and (as a type) the value it yields. */
export interface Flag<T, Always extends boolean = boolean> {
  /** Commander's spelling, e.g. '--max-attempts <n>'. */
  readonly flags: string;
  readonly description: string;
  readonly parse?: (text: string, previous: T) => T;
  readonly choices?: readonly string[];
  readonly default?: T;
  /** How the default shows in --help when it is not the value itself. */
  readonly defaultText?: string;
  readonly required?: boolean;
  /** '--no-X': adds the negation after the flag itself (the value may then be false). */
  readonly negate?: string;
  /** Set when the value is always there (a default, or required): the type has no undefined. */
  readonly always?: Always;
}

type AnyFlag = Flag<any, boolean>;
export type Flags = Readonly<Record<string, AnyFlag>>;

/** The values a command's flags yield, with their parsers' types. */
export type FlagValues<F extends Flags> =
  { [K in AlwaysKeys<F>]: ValueOf<F[K]> } & { [K in Exclude<keyof F, AlwaysKeys<F>>]?: ValueOf<F[K]> } & { debug?: boolean };
type ValueOf<F> = F extends Flag<infer T, boolean> ? T : never;
/** The flags that always have a value (a default, or required); commander leaves the others out when not given. */
type AlwaysKeys<F extends Flags> = { [K in keyof F]: F[K] extends Flag<any, true> ? K : never }[keyof F];

/** '<file>' is a string, '[file]' maybe not, '<file...>' a list. */
type ArgValue<A extends string> = A extends `${string}...${string}` ? string[] : A extends `[${string}]` ? string | undefined : string;
export type ArgValues<A extends readonly string[]> = { [I in keyof A]: A[I] extends string ? ArgValue<A[I]> : never };

export interface CommandDefinition<F extends Flags = Flags, A extends readonly string[] = readonly string[]> {
  /** 'upload', or 'vault create' for a subcommand. */
  readonly name: string;
  readonly description: string;
  /** Commander's spelling of each argument, with its description. */
  readonly args?: { readonly [I in keyof A]: readonly [A[I], string] };
  readonly flags: F;
  /** Runs the command (importing its implementation); a number is the exit status. */
  readonly run: (ctx: Context, args: ArgValues<A>, opts: FlagValues<F>) => Promise<number | void>;
}

/** Keeps a definition's types: `defineCommand({ name, flags: {...}, run: (ctx, [file], opts) => ... })`. */
export function defineCommand<F extends Flags, const A extends readonly string[] = []>(d: CommandDefinition<F, A>): CommandDefinition<F, A> {
  return d;
}

// Flag builders: each states its value type once.
export const str = (flags: string, description: string, more: Omit<Flag<string>, 'flags' | 'description'> = {}): Flag<string, false> => ({ flags, description, ...more } as Flag<string, false>);
export const req = (flags: string, description: string): Flag<string, true> => ({ flags, description, required: true } as Flag<string, true>);
export const bool = (flags: string, description: string): Flag<boolean, false> => ({ flags, description } as Flag<boolean, false>);
export const parsed = <T>(flags: string, description: string, parse: (text: string) => T): Flag<T, false> => ({ flags, description, parse } as Flag<T, false>);
/** A flag with a default: always has a value. */
export const withDefault = <T>(f: Flag<T, boolean>, value: T, defaultText?: string): Flag<T, true> =>
  ({ ...f, default: value, ...(defaultText !== undefined ? { defaultText } : {}), always: true } as Flag<T, true>);
export const oneOf = <const C extends readonly string[]>(flags: string, description: string, choices: C): Flag<C[number], false> =>
  ({ flags, description, choices } as Flag<C[number], false>);
/** '--journal <file>' plus '--no-journal': a string, false, or nothing. */
export const negatable = (flags: string, description: string, negate: string): Flag<string | false, false> =>
  ({ flags, description, negate } as Flag<string | false, false>);
export const negatableBool = (flags: string, description: string, negate: string): Flag<boolean, false> =>
  ({ flags, description, negate } as Flag<boolean, false>);
export const repeatable = (flags: string, description: string): Flag<string[], false> =>
  ({ flags, description, parse: (v: string, previous: string[] = []) => [...previous, v] } as unknown as Flag<string[], false>);

function toOption(key: string, f: AnyFlag): Option {
  const option = new Option(f.flags, f.description);
  if (option.attributeName() !== key) throw new Error(`CLI definition: ${f.flags} is read as "${option.attributeName()}", not "${key}"`);
  if (f.choices) option.choices(f.choices as string[]);
  if (f.parse) option.argParser(f.parse);
  if (f.default !== undefined) option.default(f.default, f.defaultText);
  if (f.required) option.makeOptionMandatory();
  return option;
}

/** Adds one definition to the program (creating the parent of a subcommand once); `act` wraps its run. */
export function addDefinition(program: Command, d: CommandDefinition<any, any>, act: (d: CommandDefinition<any, any>) => (...all: unknown[]) => Promise<void>): Command {
  const words = d.name.split(' ');
  let parent = program;
  for (const word of words.slice(0, -1)) parent = parent.commands.find((c) => c.name() === word) ?? parent.command(word);
  const cmd = parent.command(words[words.length - 1]!).description(d.description);
  for (const [spec, description] of (d.args ?? []) as [string, string][]) cmd.argument(spec, description);
  for (const [key, f] of Object.entries(d.flags as Flags)) {
    cmd.addOption(toOption(key, f));
    if (f.negate) cmd.option(`--no-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, f.negate);
  }
  return cmd.action(act(d));
}
