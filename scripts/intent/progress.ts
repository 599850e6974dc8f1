import cliProgress from 'cli-progress';

/** A progress bar on stderr that restarts for each training stage; plain lines when not a terminal. */
export function progressBar(title: string): { update: (stage: string, done: number, total: number) => void; stop: () => void } {
  const bar = new cliProgress.SingleBar(
    {
      format: `${title} {stage} [{bar}] {percentage}% | {value}/{total} labels | {duration}s`,
      stream: process.stderr,
      noTTYOutput: !process.stderr.isTTY,
      notTTYSchedule: 5000,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let stage: string | null = null;
  return {
    update(next, done, total) {
      if (next !== stage) {
        if (stage !== null) bar.stop();
        bar.start(total, done, { stage: next });
        stage = next;
      } else {
        bar.update(done);
      }
    },
    stop() {
      if (stage !== null) bar.stop();
      stage = null;
    },
  };
}
