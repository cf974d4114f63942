/**
 * `doorman check [serve's flags] [identity] METHOD URL`: what one request would get from
 * `doorman serve` with these flags, stage by stage, from the same engine. `--requests FILE` checks
 * many. This file only parses arguments (the request flags are defined once here and reused for
 * every `--requests` line) and prints; the work is in src/check. Exit 0 when every request was
 * checked, whatever the answers; 2 on bad input or flags serve would refuse.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { validateServingOptions } from '../snapshot.js';
import { createChecker, type CheckOutcome, type Checker } from '../check/trace.js';
import { normalizeMethod, requestTarget, type CheckIdentity, type CheckRequest } from '../check/request.js';
import { readRequestLines } from '../check/requests.js';
import { formatStages, formatTable, type TableRow } from '../check/format.js';
import { addServeFlags, exitWhenFlushed, serveOptionsFrom, usageExit } from './serve-flags.js';
import { pflagMessage } from './flags.js';

const append = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

interface RequestFlags {
  token?: string;
  clientCert?: string;
  user?: string;
  group?: string[];
  uid?: string;
  as?: string;
  asGroup?: string[];
  asUid?: string;
  header?: string[];
  sourceIp: string;
}

/** The per-request flags: identity, impersonation, headers, source address. */
function addRequestFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option('--token <token>', 'Send this bearer token (Authorization: Bearer <token>).'))
    .addOption(new Option('--client-cert <file>', 'Present this PEM client certificate (verified against --client-ca-file as the TLS layer would).'))
    .addOption(new Option('--user <name>', 'Assert this user and skip authentication (marked "asserted" in the output).'))
    .addOption(new Option('--group <group>', 'A group of the asserted --user. Repeatable.').argParser(append))
    .addOption(new Option('--uid <uid>', 'The UID of the asserted --user.'))
    .addOption(new Option('--as <user>', 'Impersonate this user (Impersonate-User header).'))
    .addOption(new Option('--as-group <group>', 'Impersonate this group (Impersonate-Group header). Repeatable.').argParser(append))
    .addOption(new Option('--as-uid <uid>', 'Impersonate this UID (Impersonate-Uid header).'))
    .addOption(new Option('-H, --header <header>', 'An extra request header, "Name: value" (e.g. "User-Agent: curl/8.5.0"). Repeatable.').argParser(append))
    .addOption(new Option('--source-ip <ip>', 'The client address the server would see.').default('127.0.0.1'));
}

function identityFrom(f: RequestFlags): CheckIdentity {
  if ((f.group !== undefined || f.uid !== undefined) && f.user === undefined) throw new Error('--group and --uid describe an asserted --user; give --user too');
  return {
    token: f.token,
    clientCertFile: f.clientCert,
    user: f.user !== undefined ? { name: f.user, groups: f.group ?? [], uid: f.uid ?? '' } : undefined,
    as: f.as,
    asGroups: f.asGroup,
    asUid: f.asUid,
  };
}

function requestFrom(method: string, url: string, f: RequestFlags): CheckRequest {
  // Refuse what could never be sent before anything is checked.
  normalizeMethod(method);
  requestTarget(url);
  return { method, url, identity: identityFrom(f), headers: f.header, sourceIP: f.sourceIp };
}

/**
 * A parser for `--requests` lines with the same flag definitions as the command line. One
 * command is reused for every line (building commander options costs more than checking a
 * request); its values are reset to the defaults before each line.
 */
function lineParser(): (words: readonly string[]) => CheckRequest {
  const cmd = addRequestFlags(new Command()).exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  return (words) => {
    for (const opt of cmd.options) cmd.setOptionValueWithSource(opt.attributeName(), opt.defaultValue, 'default');
    let parsed: { operands: string[]; unknown: string[] };
    try {
      parsed = cmd.parseOptions([...words]);
    } catch (e) {
      throw new Error(e instanceof CommanderError ? pflagMessage(e.message) : String(e));
    }
    if (parsed.unknown.length > 0) throw new Error(`unknown flag ${JSON.stringify(parsed.unknown[0])}`);
    const [method, url, ...rest] = parsed.operands;
    if (method === undefined || url === undefined) throw new Error('expected METHOD URL [flags]');
    if (rest.length > 0) throw new Error(`unexpected ${JSON.stringify(rest[0])} after METHOD URL`);
    return requestFrom(method, url, cmd.opts<RequestFlags>());
  };
}

function print(text: string): void {
  process.stdout.write(text);
}

async function runBatch(checker: Checker, file: string, json: boolean): Promise<void> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(`--requests ${file}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`);
  }
  const parseLine = lineParser();
  const lines = readRequestLines(text).map((l) => {
    try {
      return { line: l.line, request: parseLine(l.words) };
    } catch (e) {
      throw new Error(`${file}: line ${l.line}: ${(e as Error).message}`);
    }
  });
  const rows: TableRow[] = [];
  const out: string[] = [];
  for (const { line, request } of lines) {
    let outcome: CheckOutcome;
    try {
      outcome = await checker.check(request);
    } catch (e) {
      throw new Error(`${file}: line ${line}: ${(e as Error).message}`);
    }
    if (json) out.push(JSON.stringify(outcome.json));
    else rows.push({ line, method: request.method.toUpperCase(), url: request.url, identity: request.identity, json: outcome.json });
  }
  print(json ? (out.length > 0 ? `${out.join('\n')}\n` : '') : formatTable(rows));
}

async function runCheck(method: string | undefined, url: string | undefined, cmd: Command): Promise<number> {
  const o = cmd.opts<RequestFlags & { output: string; requests?: string }>();
  try {
    if (o.requests !== undefined && (method !== undefined || url !== undefined)) throw new Error('give either METHOD URL or --requests FILE, not both');
    if (o.requests === undefined && (method === undefined || url === undefined)) throw new Error('missing METHOD URL (e.g. doorman check GET /apis), or --requests FILE');
    const single = o.requests === undefined ? requestFrom(method ?? '', url ?? '', o) : undefined;
    const options = serveOptionsFrom(cmd);
    const errs = validateServingOptions(options);
    if (errs.length > 0) throw new Error(errs.join('; '));
    let checker: Checker;
    try {
      checker = createChecker(options);
    } catch (e) {
      throw new Error(`doorman serve would not start with these flags: ${(e as Error).message} (doorman validate lists every problem)`);
    }
    if (o.requests !== undefined) {
      await runBatch(checker, o.requests, o.output === 'json');
    } else if (single) {
      const outcome = await checker.check(single);
      print(o.output === 'json' ? `${JSON.stringify(outcome.json, null, 2)}\n` : formatStages(outcome.stages));
    }
    return 0;
  } catch (e) {
    process.stderr.write(`Error: ${(e as Error).message}\n`);
    return 2;
  }
}

export function checkCommand(): Command {
  const cmd = addRequestFlags(
    addServeFlags(
      new Command('check')
        .description("Show what one request would get from doorman serve with these flags: request info, authentication, authorization (with the RBAC binding, role and rule), audit events and the response. Nothing listens.")
        .argument('[method]', 'HTTP method, e.g. GET')
        .argument('[url]', 'request target, e.g. /apis or https://127.0.0.1:6443/apis')
        .allowExcessArguments(false),
    ),
  )
    .addOption(new Option('-o, --output <format>', 'Output format.').choices(['text', 'json']).default('text'))
    .addOption(new Option('--requests <file>', 'Check every request in FILE, one per line: METHOD URL [--token T | --client-cert F | --user U ...] [-H "Name: value"]. Blank lines and # comments are skipped.'))
    .exitOverride(usageExit);
  cmd.action(async (method: string | undefined, url: string | undefined, _flags: unknown, command: Command) => {
    exitWhenFlushed(await runCheck(method, url, command));
  });
  return cmd;
}
