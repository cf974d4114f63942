/**
 * A size-rotated log file that behaves like gopkg.in/natefinch/lumberjack.v2, which
 * kube-apiserver writes `--audit-log-path` through: a write that would pass MaxSize megabytes
 * (0 means 100) first moves the file to `name-2006-01-02T15-04-05.000.ext` (UTC), then old
 * backups beyond MaxBackups or older than MaxAge days are removed and, with Compress, the rest
 * gzipped to `<backup>.gz` in the background. Writes can be synchronous (blocking modes: the
 * result is known before the request goes on) or asynchronous and serialized (batch mode: disk
 * I/O never blocks the event loop).
 */
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/** Where audit log lines go: a rotating file, or stdout for `--audit-log-path=-`. */
export interface AuditLogWriter {
  /** Writes now; throws on failure. */
  writeSync(data: string): void;
  /** Writes after every earlier asynchronous write; rejects on failure. */
  write(data: string): Promise<void>;
  /** Waits for pending writes and background work, then closes. */
  close(): Promise<void>;
}

/** lumberjack's settings, as kube-apiserver passes them from the `--audit-log-*` flags. */
export interface RotatingFileOptions {
  readonly path: string;
  /** Megabytes before rotation; 0 means lumberjack's default of 100. */
  readonly maxSizeMB: number;
  /** Rotated files to keep; 0 keeps all. */
  readonly maxBackups: number;
  /** Days to keep rotated files (by the time in their name); 0 keeps all. */
  readonly maxAgeDays: number;
  /** Gzip rotated files. */
  readonly compress: boolean;
  /** Bytes per "megabyte": a test hook, as lumberjack's own tests shrink it. */
  readonly megabyte?: number;
  /** Clock for backup names and MaxAge: a test hook. */
  readonly now?: () => Date;
}

const DEFAULT_MAX_SIZE_MB = 100;
const COMPRESS_SUFFIX = '.gz';
const BACKUP_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})\.(\d{3})$/;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** lumberjack's backup timestamp: `2006-01-02T15-04-05.000` in UTC. */
export function backupTimestamp(d: Date): string {
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T` +
    `${pad(d.getUTCHours())}-${pad(d.getUTCMinutes())}-${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`
  );
}

/**
 * lumberjack's backup name: the timestamp goes between the name and its extension.
 *
 * @example
 * backupName('/var/log/audit.log', new Date(Date.UTC(2016, 10, 4, 18, 30))) // '/var/log/audit-2016-11-04T18-30-00.000.log'
 */
export function backupName(file: string, when: Date): string {
  const ext = path.extname(file);
  const base = path.basename(file, ext);
  return path.join(path.dirname(file), `${base}-${backupTimestamp(when)}${ext}`);
}

function errnoMessage(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    ENOTDIR: 'not a directory',
    EISDIR: 'is a directory',
    ENOSPC: 'no space left on device',
    EROFS: 'read-only file system',
    EEXIST: 'file exists',
  };
  return (err.code && reasons[err.code]) ?? err.message;
}

/**
 * kube's `ensureLogFile`: create the directory (0700) and the file (0600) at start-up, so a bad
 * path fails there and not on the first request. Throws `ensureLogFile: <op> <path>: <reason>`.
 */
export function ensureLogFile(file: string): void {
  const dir = path.dirname(file);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    // Go's MkdirAll reports a path component that is a file as ENOTDIR; Node says EEXIST.
    const reason = (e as NodeJS.ErrnoException).code === 'EEXIST' ? 'not a directory' : errnoMessage(e);
    throw new Error(`ensureLogFile: mkdir ${dir}: ${reason}`, { cause: e });
  }
  try {
    fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_APPEND | fs.constants.O_RDWR, 0o600));
  } catch (e) {
    throw new Error(`ensureLogFile: open ${file}: ${errnoMessage(e)}`, { cause: e });
  }
}

interface BackupFile {
  readonly name: string;
  readonly time: number;
}

/**
 * The rotating file. One instance per path; not safe to share a path between processes
 * (neither is lumberjack).
 *
 * @example
 * const file = new RotatingFile({ path: '/var/log/audit.log', maxSizeMB: 100, maxBackups: 10, maxAgeDays: 30, compress: true });
 * file.writeSync('{"kind":"Event",...}\n');
 */
export class RotatingFile implements AuditLogWriter {
  private fd: number | null = null;
  private size = 0;
  private chain: Promise<void> = Promise.resolve();
  private milling: Promise<void> | null = null;
  private millAgain = false;
  private readonly max: number;
  private readonly now: () => Date;

  constructor(private readonly opts: RotatingFileOptions) {
    this.max = (opts.maxSizeMB === 0 ? DEFAULT_MAX_SIZE_MB : opts.maxSizeMB) * (opts.megabyte ?? 1024 * 1024);
    this.now = opts.now ?? (() => new Date());
  }

  writeSync(data: string): void {
    const buf = Buffer.from(data, 'utf8');
    this.checkLength(buf.length);
    if (this.fd === null) this.openExistingOrNewSync(buf.length);
    if (this.size + buf.length > this.max) this.rotateSync();
    const fd = this.fd ?? this.openNewSync();
    let off = 0;
    while (off < buf.length) {
      const n = fs.writeSync(fd, buf, off, buf.length - off);
      off += n;
      this.size += n;
    }
  }

  write(data: string): Promise<void> {
    const next = this.chain.then(() => this.writeAsync(Buffer.from(data, 'utf8')));
    // Keep the chain alive after a failure; the caller still sees the rejection.
    this.chain = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.chain;
    while (this.milling) await this.milling;
    await this.closeFdAsync().catch(() => undefined);
  }

  /** Resolves when background removal/compression of old backups has finished. */
  async idle(): Promise<void> {
    await this.chain;
    while (this.milling) await this.milling;
  }

  private checkLength(len: number): void {
    if (len > this.max) throw new Error(`write length ${len} exceeds maximum file size ${this.max}`);
  }

  private openExistingOrNewSync(len: number): void {
    this.mill();
    let st: fs.Stats;
    try {
      st = fs.statSync(this.opts.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        this.openNewSync();
        return;
      }
      throw new Error(`error getting log file info: ${errnoMessage(e)}`, { cause: e });
    }
    if (st.size + len >= this.max) {
      this.rotateSync();
      return;
    }
    try {
      this.fd = fs.openSync(this.opts.path, fs.constants.O_APPEND | fs.constants.O_WRONLY, 0o600);
      this.size = st.size;
    } catch {
      // lumberjack: if the old file cannot be opened, start a new one.
      this.openNewSync();
    }
  }

  private rotateSync(): void {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
    this.openNewSync();
    this.mill();
  }

  private openNewSync(): number {
    const file = this.opts.path;
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
    let mode = 0o600;
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(file);
    } catch {
      st = undefined;
    }
    if (st) {
      mode = st.mode & 0o777;
      try {
        fs.renameSync(file, backupName(file, this.now()));
      } catch (e) {
        throw new Error(`can't rename log file: ${errnoMessage(e)}`, { cause: e });
      }
    }
    try {
      this.fd = fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_WRONLY | fs.constants.O_TRUNC, mode);
    } catch (e) {
      throw new Error(`can't open new logfile: ${errnoMessage(e)}`, { cause: e });
    }
    this.size = 0;
    return this.fd;
  }

  private async writeAsync(buf: Buffer): Promise<void> {
    this.checkLength(buf.length);
    if (this.fd === null) await this.openExistingOrNewAsync(buf.length);
    if (this.size + buf.length > this.max) await this.rotateAsync();
    const fd = this.fd ?? (await this.openNewAsync());
    let off = 0;
    while (off < buf.length) {
      const n = await new Promise<number>((resolve, reject) =>
        fs.write(fd, buf, off, buf.length - off, null, (err, written) => (err ? reject(err) : resolve(written))),
      );
      off += n;
      this.size += n;
    }
  }

  private async openExistingOrNewAsync(len: number): Promise<void> {
    this.mill();
    let st: fs.Stats;
    try {
      st = await fsp.stat(this.opts.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        await this.openNewAsync();
        return;
      }
      throw new Error(`error getting log file info: ${errnoMessage(e)}`, { cause: e });
    }
    if (st.size + len >= this.max) {
      await this.rotateAsync();
      return;
    }
    try {
      this.fd = await openFd(this.opts.path, fs.constants.O_APPEND | fs.constants.O_WRONLY, 0o600);
      this.size = st.size;
    } catch {
      await this.openNewAsync();
    }
  }

  private async rotateAsync(): Promise<void> {
    await this.closeFdAsync();
    await this.openNewAsync();
    this.mill();
  }

  private async closeFdAsync(): Promise<void> {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    await new Promise<void>((resolve, reject) => fs.close(fd, (err) => (err ? reject(err) : resolve())));
  }

  private async openNewAsync(): Promise<number> {
    const file = this.opts.path;
    await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
    let mode = 0o600;
    const st = await fsp.stat(file).catch(() => undefined);
    if (st) {
      mode = st.mode & 0o777;
      try {
        await fsp.rename(file, backupName(file, this.now()));
      } catch (e) {
        throw new Error(`can't rename log file: ${errnoMessage(e)}`, { cause: e });
      }
    }
    try {
      this.fd = await openFd(file, fs.constants.O_CREAT | fs.constants.O_WRONLY | fs.constants.O_TRUNC, mode);
    } catch (e) {
      throw new Error(`can't open new logfile: ${errnoMessage(e)}`, { cause: e });
    }
    this.size = 0;
    return this.fd;
  }

  /** Starts (or re-arms) the background clean-up, like lumberjack's mill goroutine. */
  private mill(): void {
    const { maxBackups, maxAgeDays, compress } = this.opts;
    if (maxBackups === 0 && maxAgeDays === 0 && !compress) return;
    if (this.milling) {
      this.millAgain = true;
      return;
    }
    const run = async (): Promise<void> => {
      do {
        this.millAgain = false;
        await this.millRunOnce().catch(() => undefined);
      } while (this.millAgain);
      this.milling = null;
    };
    this.milling = run();
  }

  private async oldLogFiles(): Promise<BackupFile[]> {
    const dir = path.dirname(this.opts.path);
    const ext = path.extname(this.opts.path);
    const prefix = `${path.basename(this.opts.path, ext)}-`;
    const out: BackupFile[] = [];
    for (const ent of await fsp.readdir(dir, { withFileTypes: true })) {
      if (ent.isDirectory() || !ent.name.startsWith(prefix)) continue;
      for (const suffix of [ext, ext + COMPRESS_SUFFIX]) {
        if (!ent.name.endsWith(suffix)) continue;
        const m = BACKUP_TIME.exec(ent.name.slice(prefix.length, ent.name.length - suffix.length));
        if (!m) continue;
        const [, y, mo, d, h, mi, s, ms] = m.map(Number);
        out.push({ name: ent.name, time: Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0, ms ?? 0) });
        break;
      }
    }
    // Newest first, by the time in the name.
    return out.sort((a, b) => b.time - a.time);
  }

  private async millRunOnce(): Promise<void> {
    const { maxBackups, maxAgeDays, compress } = this.opts;
    const dir = path.dirname(this.opts.path);
    let files = await this.oldLogFiles();
    const remove: BackupFile[] = [];
    if (maxBackups > 0 && maxBackups < files.length) {
      const preserved = new Set<string>();
      const remaining: BackupFile[] = [];
      for (const f of files) {
        // A backup and its compressed copy count once.
        preserved.add(f.name.endsWith(COMPRESS_SUFFIX) ? f.name.slice(0, -COMPRESS_SUFFIX.length) : f.name);
        if (preserved.size > maxBackups) remove.push(f);
        else remaining.push(f);
      }
      files = remaining;
    }
    if (maxAgeDays > 0) {
      const cutoff = this.now().getTime() - maxAgeDays * 24 * 3600 * 1000;
      const remaining: BackupFile[] = [];
      for (const f of files) (f.time < cutoff ? remove : remaining).push(f);
      files = remaining;
    }
    for (const f of remove) await fsp.rm(path.join(dir, f.name), { force: true });
    if (compress) {
      for (const f of files) {
        if (f.name.endsWith(COMPRESS_SUFFIX)) continue;
        await compressFile(path.join(dir, f.name));
      }
    }
  }
}

function openFd(file: string, flags: number, mode: number): Promise<number> {
  return new Promise((resolve, reject) => fs.open(file, flags, mode, (err, fd) => (err ? reject(err) : resolve(fd))));
}

async function compressFile(src: string): Promise<void> {
  const dst = src + COMPRESS_SUFFIX;
  const st = await fsp.stat(src);
  try {
    await pipeline(createReadStream(src), createGzip(), createWriteStream(dst, { mode: st.mode & 0o777 }));
    await fsp.rm(src);
  } catch (e) {
    await fsp.rm(dst, { force: true });
    throw e;
  }
}

/** `--audit-log-path=-`: lines go to standard output. */
export class StdoutWriter implements AuditLogWriter {
  writeSync(data: string): void {
    process.stdout.write(data);
  }
  write(data: string): Promise<void> {
    return new Promise((resolve, reject) => process.stdout.write(data, (err) => (err ? reject(err) : resolve())));
  }
  async close(): Promise<void> {
    return undefined;
  }
}
