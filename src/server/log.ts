/**
 * Start-up and operational log lines in klog's shape (`I1128 10:20:56.123456    1234 doorman] msg`,
 * the thread id right-aligned in seven columns as klog pads it)
 * on stderr, so operators can grep them the way they grep kube-apiserver's. Never log credentials.
 */
export type LogLevel = 'I' | 'W' | 'E';

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

function stamp(level: LogLevel, msg: string): string {
  const d = new Date();
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const micros = p(d.getUTCMilliseconds(), 3) + '000';
  return `${level}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${micros} ${String(process.pid).padStart(7)} doorman] ${msg}\n`;
}

/** A logger writing klog-style lines to a stream (stderr by default). */
export function klogLogger(write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  return {
    info: (m) => write(stamp('I', m)),
    warn: (m) => write(stamp('W', m)),
    error: (m) => write(stamp('E', m)),
  };
}

/** A logger that keeps lines in memory, for tests and `doorman check`. */
export function memoryLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`I ${m}`),
    warn: (m) => lines.push(`W ${m}`),
    error: (m) => lines.push(`E ${m}`),
  };
}
