import { shellQuote } from './output.js';

/**
 * Next-step commands the CLI prints ("resume with: …", "abort it with: …") must work when pasted:
 * they start the CLI the way this run was started and repeat every connection option it used.
 */
export function commandLine(ctx: { self: string }, words: string[], extra: string[] = []): string {
  return [ctx.self, ...[...words, ...extra].map(shellQuote)].join(' ');
}

/** --endpoint, --region and --account-id as this run used them (the account only when not '-'). */
export function connectionArgs(opts: { endpoint?: string; region?: string; accountId?: string }): string[] {
  return [
    ...(opts.endpoint ? ['--endpoint', opts.endpoint] : []),
    ...(opts.region ? ['--region', opts.region] : []),
    ...(opts.accountId && opts.accountId !== '-' ? ['--account-id', opts.accountId] : []),
  ];
}
