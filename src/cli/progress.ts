import cliProgress from 'cli-progress';
import { formatSize } from './size.js';
import type { Io } from './output.js';

export type ProgressMode = 'auto' | 'bar' | 'plain' | 'none';
export const PROGRESS_MODES: readonly ProgressMode[] = ['auto', 'bar', 'plain', 'none'];

export interface ProgressSample {
  /** Bytes done so far (uploaded, or hashed for `hash`). */
  bytes: number;
  /** Total bytes, when known (not for stdin). */
  totalBytes?: number;
  parts: number;
  totalParts?: number;
  /** Bytes actually moved in this run, for the rate (a resume skips parts Glacier already holds). */
  moved?: number;
}

/** Reports progress on stderr: a bar on a terminal, a plain line every ~10% (or 10 s) elsewhere. */
export interface ProgressReporter {
  update(sample: ProgressSample): void;
  /** Removes the bar; call before printing anything else (a later update draws it again). */
  stop(): void;
  /** Removes the bar for good: later updates (a last report after a failure) draw nothing. */
  end(): void;
}

const MiB = 1024 * 1024;

function formatRate(bytesPerSecond: number): string {
  return `${(bytesPerSecond / MiB).toFixed(1)} MiB/s`;
}

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * `auto` picks a bar when stderr is a terminal and plain lines otherwise; `--json` callers pass
 * `none` so stdout stays one machine-readable result and stderr stays quiet.
 */
export function createProgress(io: Io, mode: ProgressMode, label: string): ProgressReporter {
  const resolved = mode === 'auto' ? (io.stderr.isTTY ? 'bar' : 'plain') : mode;
  const started = Date.now();
  const rate = (bytes: number) => bytes / Math.max((Date.now() - started) / 1000, 1e-3);

  if (resolved === 'none') return { update() {}, stop() {}, end() {} };

  if (resolved === 'plain') {
    let nextPercent = 10;
    let lastLine = 0;
    let ended = false;
    return {
      update(s) {
        if (ended) return;
        const now = Date.now();
        const percent = s.totalBytes ? (s.bytes / s.totalBytes) * 100 : undefined;
        const due = percent !== undefined ? percent >= nextPercent : now - lastLine >= 10_000;
        if (!due) return;
        if (percent !== undefined) nextPercent = Math.floor(percent / 10) * 10 + 10;
        lastLine = now;
        const parts = s.totalParts !== undefined ? `${s.parts}/${s.totalParts} parts` : `${s.parts} parts`;
        const of = s.totalBytes !== undefined ? ` of ${formatSize(s.totalBytes)} (${Math.floor(percent!)}%)` : '';
        io.stderr.write(`${label}: ${formatSize(s.bytes)}${of}, ${parts}, ${formatRate(rate(s.moved ?? s.bytes))}\n`);
      },
      // Plain lines need no clean-up; later updates keep printing.
      stop() {},
      end() {
        ended = true;
      },
    };
  }

  // A stream's size is unknown until it ends: then the bar shows bytes and rate, no percentage.
  const makeBar = (sized: boolean) => new cliProgress.SingleBar(
    {
      stream: io.stderr,
      format: sized
        ? `${label} [{bar}] {percentage}% | {done} / {size} | {speed} | ETA {etaText} | parts {parts}`
        : `${label} {done} sent | {speed} | parts {parts}`,
      barsize: 24,
      hideCursor: true,
      // We own SIGINT (first Ctrl-C stops cleanly, second forces): the bar must not add a handler.
      gracefulExit: false,
      clearOnComplete: false,
      fps: 10,
      // cli-progress only draws to terminals unless told; `--progress bar` asks for it anywhere.
      noTTYOutput: !io.stderr.isTTY,
      notTTYSchedule: 1000,
    },
    cliProgress.Presets.shades_classic,
  );
  let bar: cliProgress.SingleBar | undefined;
  let sized = false;
  let ended = false;
  const payload = (s: ProgressSample) => {
    const speed = rate(s.moved ?? s.bytes);
    return {
      done: formatSize(s.bytes),
      size: s.totalBytes !== undefined ? formatSize(s.totalBytes) : '?',
      speed: formatRate(speed),
      etaText: s.totalBytes !== undefined && speed > 0 ? formatEta((s.totalBytes - s.bytes) / speed) : '--',
      parts: s.totalParts !== undefined ? `${s.parts}/${s.totalParts}` : String(s.parts),
    };
  };
  return {
    update(s) {
      if (ended) return;
      const total = s.totalBytes ?? Math.max(s.bytes, 1);
      if (!bar) {
        sized = s.totalBytes !== undefined;
        bar = makeBar(sized);
        bar.start(total, s.bytes, payload(s));
      } else {
        if (sized) bar.setTotal(total);
        else bar.setTotal(Math.max(s.bytes, 1));
        bar.update(s.bytes, payload(s));
      }
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
    end() {
      bar?.stop();
      bar = undefined;
      ended = true;
    },
  };
}
