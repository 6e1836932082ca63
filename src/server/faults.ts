import { InvalidOptionError } from '../options.js';
import { S3_OPERATIONS } from './s3/operations.js';
import {
  FAULT_KINDS, GLACIER_OPERATIONS, JOB_OUTPUT_FAULT_KINDS, S3_ONLY_FAULT_KINDS,
  type FaultKind, type FaultPlan, type FaultRule, type GlacierOperation, type S3FaultOperation,
} from './types.js';

const S3_FAULT_OPERATIONS: readonly string[] = ['s3:*', ...S3_OPERATIONS.map((o) => `s3:${o}`)];

/** Whether a rule's kind can happen on this operation at all (other rules never count it). */
function kindApplies(kind: FaultKind, operation: GlacierOperation | S3FaultOperation): boolean {
  const s3 = operation.startsWith('s3:');
  if (kind === 'ListPartsRangeQuirk') return operation === 'ListParts';
  if (kind === 'JobOutputExpired') return operation === 'GetJobOutput';
  if (JOB_OUTPUT_FAULT_KINDS.includes(kind)) return operation === 'GetJobOutput' || operation === 's3:GetObject';
  if (S3_ONLY_FAULT_KINDS.includes(kind)) return s3;
  return true;
}

/** mulberry32: a tiny deterministic PRNG, so a seeded plan injects the same faults on every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A distinct, well-spread seed per rule position (golden-ratio steps); rule 0 keeps the old seed 1. */
const defaultSeed = (index: number): number => (1 + Math.imul(index, 0x9e3779b9)) >>> 0;

interface ArmedRule {
  rule: FaultRule;
  seen: number;
  nth: Set<number> | undefined;
  random: (() => number) | undefined;
}

export interface FiredFault {
  kind: FaultKind;
  delayMs: number;
}

export function validateFaultPlan(plan: unknown): FaultPlan {
  if (!Array.isArray(plan)) throw new InvalidOptionError('faults', 'faults must be an array of FaultRule objects.');
  plan.forEach((rule: FaultRule, i) => {
    const where = `faults[${i}]`;
    if (typeof rule !== 'object' || rule === null) throw new InvalidOptionError('faults', `${where} must be an object.`);
    if (rule.operation !== '*' && !GLACIER_OPERATIONS.includes(rule.operation as GlacierOperation) && !S3_FAULT_OPERATIONS.includes(rule.operation)) {
      throw new InvalidOptionError('faults', 
        `${where}.operation "${String(rule.operation)}" is not a Glacier operation; use '*' or one of ${GLACIER_OPERATIONS.join(', ')} (or an S3 one: ${S3_FAULT_OPERATIONS.join(', ')}).`);
    }
    if (!FAULT_KINDS.includes(rule.kind)) {
      throw new InvalidOptionError('faults', `${where}.kind "${String(rule.kind)}" is unknown; use one of ${FAULT_KINDS.join(', ')}.`);
    }
    const nths = rule.nth === undefined ? [] : Array.isArray(rule.nth) ? rule.nth : [rule.nth];
    for (const n of nths) {
      if (!Number.isInteger(n) || n < 1) throw new InvalidOptionError('faults', `${where}.nth must hold integers >= 1 (1-based request numbers); got ${n}.`);
    }
    if (rule.every !== undefined && (!Number.isInteger(rule.every) || rule.every < 1)) {
      throw new InvalidOptionError('faults', `${where}.every must be an integer >= 1; got ${rule.every}.`);
    }
    if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
      throw new InvalidOptionError('faults', `${where}.probability must be between 0 and 1; got ${rule.probability}.`);
    }
    if (rule.delayMs !== undefined && !(Number.isFinite(rule.delayMs) && rule.delayMs >= 0)) {
      throw new InvalidOptionError('faults', `${where}.delayMs must be a number of milliseconds >= 0; got ${rule.delayMs}.`);
    }
  });
  return plan;
}

/**
 * Decides, per request, which fault (if any) to inject. Each rule counts the requests it applies to
 * (its operation, or all for '*'); a rule with no nth/every/probability fires on every one of them.
 * Every applicable rule is advanced on every request (so seeded draws do not depend on other
 * rules), and the first rule that fires wins.
 */
export class FaultInjector {
  private rules: ArmedRule[] = [];

  constructor(plan: FaultPlan = []) {
    this.set(plan);
  }

  set(plan: FaultPlan): void {
    this.rules = validateFaultPlan(plan).map((rule, index) => ({
      rule,
      seen: 0,
      nth: rule.nth === undefined ? undefined : new Set(Array.isArray(rule.nth) ? rule.nth : [rule.nth]),
      // Without a seed, each rule gets its own stream (seeded by its place in the plan): with one
      // shared default seed, the draws of two rules coincide and the later one never fires.
      random: rule.probability === undefined ? undefined : mulberry32(rule.seed ?? defaultSeed(index)),
    }));
  }

  next(operation: GlacierOperation | S3FaultOperation): FiredFault | undefined {
    let fired: FiredFault | undefined;
    for (const armed of this.rules) {
      const { rule } = armed;
      if (rule.operation !== '*' && rule.operation !== operation && !(rule.operation === 's3:*' && operation.startsWith('s3:'))) continue;
      // Kinds tied to one answer (the ListParts range quirk, job output bodies, S3 errors) skip the rest.
      if (!kindApplies(rule.kind, operation)) continue;
      armed.seen += 1;
      const draw = armed.random ? armed.random() : 0;
      let fires = true;
      if (armed.nth || rule.every !== undefined || armed.random) {
        fires = (armed.nth?.has(armed.seen) ?? false)
          || (rule.every !== undefined && armed.seen % rule.every === 0)
          || (armed.random !== undefined && draw < rule.probability!);
      }
      if (fires && !fired) fired = { kind: rule.kind, delayMs: rule.delayMs ?? 2000 };
    }
    return fired;
  }
}
