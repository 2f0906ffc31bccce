import cliProgress from 'cli-progress';

export type Progress = {
  update(done: number, total: number, label: string): void;
  stop(): void;
};

const SILENT: Progress = { update: () => undefined, stop: () => undefined };

/** A progress bar on standard error, only for a person at a terminal (never with --json or in a pipe). */
export function createProgress(enabled: boolean, unit: 'bytes' | 'rows'): Progress {
  if (!enabled || !process.stderr.isTTY) return SILENT;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format:
        unit === 'bytes'
          ? ' {bar} {percentage}% | {label} | {doneMb}/{totalMb} MB | eta {eta_formatted}'
          : ' {bar} {percentage}% | {label} | {value}/{total} | eta {eta_formatted}',
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const mb = (bytes: number): string => (bytes / 1048576).toFixed(1);
  return {
    update(done, total, label) {
      const payload = { label, doneMb: mb(done), totalMb: mb(total) };
      if (!started) {
        bar.start(Math.max(total, 1), done, payload);
        started = true;
      } else {
        bar.setTotal(Math.max(total, 1));
        bar.update(done, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
