import cliProgress from 'cli-progress';
import type { DownloadProgress } from '../../glacier/index.js';
import type { Io } from '../output.js';
import type { ProgressMode } from '../progress.js';
import { formatSize } from '../size.js';

const MiB = 1024 * 1024;
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * The download's view on stderr: while the job runs, a spinner with its state and the time waited
 * (on a terminal; elsewhere a line when the state changes and every minute); then a bar with bytes,
 * MiB/s, ETA and chunks verified (elsewhere a line every ~10%).
 */
export function createDownloadView(io: Io, mode: ProgressMode, label: string) {
  const resolved = mode === 'auto' ? (io.stderr.isTTY ? 'bar' : 'plain') : mode;
  let last: DownloadProgress | undefined;
  let waitStarted: number | undefined;
  let spinner: NodeJS.Timeout | undefined;
  let frame = 0;
  let lastWaitLine = 0;
  let lastStatus: string | undefined;
  let downloadStarted: number | undefined;
  let nextPercent = 10;
  let bar: cliProgress.SingleBar | undefined;

  const waitText = () => `waiting for job ${last?.jobId ?? ''}: ${last?.jobStatus ?? 'InProgress'}, ${formatDuration(Date.now() - (waitStarted ?? Date.now()))} elapsed`;
  const stopSpinner = () => {
    if (spinner) {
      clearInterval(spinner);
      spinner = undefined;
      io.stderr.write('\r\x1b[2K');
    }
  };
  const rate = (p: DownloadProgress) => p.bytesFetched / MiB / Math.max((Date.now() - (downloadStarted ?? Date.now())) / 1000, 1e-3);
  const eta = (p: DownloadProgress) => {
    const r = rate(p) * MiB;
    return p.totalBytes !== undefined && r > 0 ? formatDuration(((p.totalBytes - p.bytesDone) / r) * 1000) : '--';
  };
  const payload = (p: DownloadProgress) => ({
    done: formatSize(p.bytesDone), size: formatSize(p.totalBytes ?? 0), speed: `${rate(p).toFixed(1)} MiB/s`, etaText: eta(p),
    chunks: `${p.chunksVerified}/${p.chunksTotal ?? '?'}`,
  });

  return {
    update(p: DownloadProgress): void {
      last = p;
      if (resolved === 'none') return;
      if (p.phase === 'waiting') {
        waitStarted ??= Date.now() - p.waitedMs;
        if (resolved === 'bar') {
          spinner ??= setInterval(() => io.stderr.write(`\r\x1b[2K${SPINNER[frame++ % SPINNER.length]} ${waitText()}`), 100);
        } else if (p.jobStatus !== lastStatus || Date.now() - lastWaitLine >= 60_000) {
          lastStatus = p.jobStatus;
          lastWaitLine = Date.now();
          io.stderr.write(`${label}: ${waitText()}\n`);
        }
        return;
      }
      if (p.phase !== 'downloading' && p.phase !== 'done') return;
      stopSpinner();
      downloadStarted ??= Date.now();
      if (resolved === 'plain') {
        const percent = p.totalBytes ? (p.bytesDone / p.totalBytes) * 100 : 100;
        // Every ~10%, and 100% once.
        if (percent < nextPercent) return;
        nextPercent = Math.floor(percent / 10) * 10 + 10;
        io.stderr.write(`${label}: ${formatSize(p.bytesDone)} of ${formatSize(p.totalBytes ?? 0)} (${Math.floor(percent)}%), ` +
          `${p.chunksVerified}/${p.chunksTotal} chunks verified, ${rate(p).toFixed(1)} MiB/s\n`);
        return;
      }
      if (!bar) {
        bar = new cliProgress.SingleBar({
          stream: io.stderr,
          format: `${label} [{bar}] {percentage}% | {done} / {size} | {speed} | ETA {etaText} | chunks verified {chunks}`,
          barsize: 24, hideCursor: true, gracefulExit: false, clearOnComplete: false, fps: 10,
          noTTYOutput: !io.stderr.isTTY, notTTYSchedule: 1000,
        }, cliProgress.Presets.shades_classic);
        bar.start(Math.max(p.totalBytes ?? 1, 1), p.bytesDone, payload(p));
      } else {
        bar.update(p.bytesDone, payload(p));
      }
    },
    stop(): void {
      stopSpinner();
      bar?.stop();
      bar = undefined;
    },
  };
}
