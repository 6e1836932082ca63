import cliProgress from 'cli-progress';
import type { Io } from '../output.js';
import type { ProgressMode } from '../progress.js';
import { formatSize } from '../size.js';

/** One progress display for a many-file run: files and bytes done, MiB/s, ETA. */
export interface FilesProgress {
  update(s: { filesDone: number; filesTotal: number; bytesDone: number; bytesTotal: number; filesFailed?: number }): void;
  stop(): void;
}

const MiB = 1024 * 1024;

function eta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const m = Math.floor(seconds / 60);
  return m < 60 ? `${m}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function createFilesProgress(io: Io, mode: ProgressMode, label: string): FilesProgress {
  const resolved = mode === 'auto' ? (io.stderr.isTTY ? 'bar' : 'plain') : mode;
  const started = Date.now();
  const figures = (s: Parameters<FilesProgress['update']>[0]) => {
    const rate = s.bytesDone / Math.max((Date.now() - started) / 1000, 1e-3);
    return {
      files: `${s.filesDone}/${s.filesTotal} files${s.filesFailed ? ` (${s.filesFailed} failed)` : ''}`,
      bytes: `${formatSize(s.bytesDone)} / ${formatSize(s.bytesTotal)}`,
      speed: `${(rate / MiB).toFixed(1)} MiB/s`,
      etaText: rate > 0 ? eta((s.bytesTotal - s.bytesDone) / rate) : '--',
    };
  };
  if (resolved === 'none') return { update() {}, stop() {} };
  if (resolved === 'plain') {
    let next = 10;
    let lastLine = 0;
    return {
      update(s) {
        const percent = s.bytesTotal ? (s.bytesDone / s.bytesTotal) * 100 : 100;
        if (percent < next && Date.now() - lastLine < 10_000) return;
        next = Math.floor(percent / 10) * 10 + 10;
        lastLine = Date.now();
        const f = figures(s);
        io.stderr.write(`${label}: ${f.files}, ${f.bytes} (${Math.floor(percent)}%), ${f.speed}, ETA ${f.etaText}\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar({
    stream: io.stderr, format: `${label} [{bar}] {percentage}% | {files} | {bytes} | {speed} | ETA {etaText}`,
    barsize: 24, hideCursor: true, gracefulExit: false, clearOnComplete: false, fps: 10, noTTYOutput: !io.stderr.isTTY, notTTYSchedule: 1000,
  }, cliProgress.Presets.shades_classic);
  let running = false;
  return {
    update(s) {
      if (!running) {
        bar.start(Math.max(s.bytesTotal, 1), s.bytesDone, figures(s));
        running = true;
      } else bar.update(s.bytesDone, figures(s));
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
