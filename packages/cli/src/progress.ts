/**
 * A progress line on stderr for long plans, only where someone watches it (a terminal): how many
 * resources the program has registered so far, rewritten in place and cleared at the end, so
 * nothing of it stays in the output or reaches a pipe or a log file.
 */
export interface ProgressStream {
  isTTY?: boolean;
  write(s: string): unknown;
}

export interface ProgressOptions {
  /** Before the first line: quick plans never show one. */
  delayMs?: number;
  intervalMs?: number;
}

/** Starts the line (if `stream` is a terminal); call the result to clear it. */
export function startProgress(
  count: () => number,
  stream: ProgressStream = process.stderr,
  options: ProgressOptions = {},
): () => void {
  if (!stream.isTTY) return () => {};
  let shown = false;
  const draw = () => {
    shown = true;
    stream.write(`\r\x1b[Kplanning: ${count()} resources registered so far`);
  };
  let timer: NodeJS.Timeout | undefined;
  const delay = setTimeout(() => {
    draw();
    timer = setInterval(draw, options.intervalMs ?? 200);
    timer.unref();
  }, options.delayMs ?? 1000);
  delay.unref();
  return () => {
    clearTimeout(delay);
    if (timer) clearInterval(timer);
    if (shown) stream.write("\r\x1b[K");
  };
}

/** Runs `fn` with the progress line shown while it runs. */
export async function withProgress<T>(
  count: () => number,
  fn: () => Promise<T>,
  stream: ProgressStream = process.stderr,
  options: ProgressOptions = {},
): Promise<T> {
  const stop = startProgress(count, stream, options);
  try {
    return await fn();
  } finally {
    stop();
  }
}
