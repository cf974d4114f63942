/**
 * `doorman validate [serve's flags]` or `doorman validate --from-manifest FILE`: would the server
 * start with this configuration, and what is risky in it. This file only parses arguments (the
 * manifest's command is parsed with serve's own flag definitions) and prints; the checks are in
 * src/validate. Exit 0 valid, 1 invalid, 2 usage error.
 */
import { Command, CommanderError, Option } from 'commander';
import type { ServeOptions } from '../snapshot.js';
import { validateConfiguration, type ValidateInput } from '../validate/validate.js';
import { hostPathResolver, readStaticPodManifest } from '../validate/manifest.js';
import { DEFAULT_MINOR, FIRST_MINOR, LAST_MINOR, minorFromImage, parseKubernetesMinor } from '../validate/versions.js';
import { formatReport, reportJSON, type Problem } from '../validate/report.js';
import { addServeFlags, exitWhenFlushed, serveOptionsFrom, usageExit } from './serve-flags.js';
import { pflagMessage } from './flags.js';

const append = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

interface ValidateFlags {
  output: string;
  fromManifest?: string;
  hostRoot: string;
  kubernetesVersion?: string;
  featureGates?: string[];
}

class UsageError extends Error {}

function releaseFrom(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const minor = parseKubernetesMinor(v);
  if (minor === undefined) throw new UsageError(`--kubernetes-version ${JSON.stringify(v)}: give a release from 1.${FIRST_MINOR} to 1.${LAST_MINOR}, e.g. 1.33`);
  return minor;
}

/** The serve flags given on validate's own command line (other than the doorman-only --rbac-objects). */
function serveFlagsGiven(cmd: Command): string[] {
  return cmd.options
    .filter((o) => o.long !== undefined && o.long !== '--rbac-objects' && cmd.getOptionValueSource(o.attributeName()) === 'cli')
    .filter((o) => !['--output', '--from-manifest', '--host-root', '--kubernetes-version', '--feature-gates'].includes(o.long ?? ''))
    .map((o) => o.long ?? '');
}

/** Parses the manifest's kube-apiserver command with serve's flag definitions. */
function manifestInput(file: string, cmd: Command, f: ValidateFlags): ValidateInput {
  const m = readStaticPodManifest(file);
  const given = serveFlagsGiven(cmd);
  if (given.length > 0) throw new UsageError(`${given.join(', ')}: with --from-manifest the flags come from the manifest (only --rbac-objects may be added)`);
  const parser = addServeFlags(new Command('kube-apiserver'))
    .addOption(new Option('--feature-gates <gates>').argParser(append))
    .allowUnknownOption()
    .allowExcessArguments()
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  const flagErrors: Problem[] = [];
  let unknown: string[] = [];
  try {
    unknown = parser.parseOptions([...m.args]).unknown;
  } catch (e) {
    const msg = e instanceof CommanderError ? pflagMessage(e.message) : String(e);
    flagErrors.push({ file, field: '', message: msg });
  }
  let options: ServeOptions;
  try {
    options = serveOptionsFrom(parser);
  } catch (e) {
    flagErrors.push({ file, field: '', message: (e as Error).message });
    options = serveOptionsFrom(addServeFlags(new Command()));
  }
  const rbacObjects = cmd.opts<{ rbacObjects?: string[] }>().rbacObjects ?? [];
  const fromImage = minorFromImage(m.image);
  const minor = releaseFrom(f.kubernetesVersion) ?? fromImage ?? DEFAULT_MINOR;
  const why = f.kubernetesVersion !== undefined ? '--kubernetes-version' : fromImage !== undefined ? `the manifest's image ${m.image ?? ''}` : 'the default; --kubernetes-version to change';
  const resolveInManifest = hostPathResolver(m, f.hostRoot);
  return {
    options: { ...options, rbacObjects },
    source: file,
    fromManifest: true,
    doormanServe: false,
    // --rbac-objects are files on this machine (e.g. kubectl get ... -o yaml output), not in the container.
    resolve: (p) => (rbacObjects.includes(p) ? { kind: 'local', local: p } : resolveInManifest(p)),
    minor,
    featureGates: [...(parser.opts<{ featureGates?: string[] }>().featureGates ?? []), ...(f.featureGates ?? [])],
    otherFlags: [...new Set(unknown.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0] ?? a))],
    flagErrors,
    probes: m.probes,
    notes: [`kube-apiserver 1.${minor} (${why})`, `flags from ${file}; files read under host root ${f.hostRoot}`],
  };
}

function flagsInput(cmd: Command, f: ValidateFlags): ValidateInput {
  const minor = releaseFrom(f.kubernetesVersion) ?? DEFAULT_MINOR;
  return {
    options: serveOptionsFrom(cmd),
    source: 'command line',
    fromManifest: false,
    doormanServe: f.kubernetesVersion === undefined,
    resolve: (p) => ({ kind: 'local', local: p }),
    minor,
    featureGates: f.featureGates ?? [],
    otherFlags: [],
    flagErrors: [],
    probes: [],
    notes: [f.kubernetesVersion === undefined ? `doorman serve, with kube-apiserver 1.${minor} rules (--kubernetes-version to check another release)` : `kube-apiserver 1.${minor} (--kubernetes-version)`],
  };
}

async function runValidate(cmd: Command): Promise<number> {
  const f = cmd.opts<ValidateFlags>();
  let input: ValidateInput;
  try {
    input = f.fromManifest !== undefined ? manifestInput(f.fromManifest, cmd, f) : flagsInput(cmd, f);
  } catch (e) {
    process.stderr.write(`Error: ${(e as Error).message}\n`);
    return 2;
  }
  const report = await validateConfiguration(input);
  const subject = input.doormanServe ? 'doorman serve' : `kube-apiserver 1.${input.minor}`;
  process.stdout.write(f.output === 'json' ? `${JSON.stringify(reportJSON(report), null, 2)}\n` : formatReport(report, subject));
  return report.valid ? 0 : 1;
}

export function validateCommand(): Command {
  const cmd = addServeFlags(
    new Command('validate')
      .description("Check, without listening, that doorman serve (or with --from-manifest, kube-apiserver) would start with this configuration; report each problem as <file>: <field>: <kube-apiserver's message>, and warn about risky settings. Exit 0 valid, 1 invalid, 2 usage error.")
      .allowExcessArguments(false),
  )
    .addOption(new Option('-o, --output <format>', 'Output format.').choices(['text', 'json']).default('text'))
    .addOption(new Option('--from-manifest <file>', "Take the flags from a kube-apiserver static-pod manifest (kubeadm's kube-apiserver.yaml) and read its files through its hostPath volumes."))
    .addOption(new Option('--host-root <dir>', 'With --from-manifest: where the node\'s filesystem is (hostPath /etc/kubernetes is read from <dir>/etc/kubernetes).').default('/'))
    .addOption(new Option('--kubernetes-version <version>', `The kube-apiserver release to check against, 1.${FIRST_MINOR} to 1.${LAST_MINOR} (default 1.${DEFAULT_MINOR}, or the manifest's image tag).`))
    .addOption(new Option('--feature-gates <gates>', 'A set of key=value pairs that describe feature gates, as kube-apiserver takes them (e.g. AnonymousAuthConfigurableEndpoints=true). Repeatable.').argParser(append))
    .exitOverride(usageExit);
  cmd.action(async (_flags: unknown, command: Command) => {
    exitWhenFlushed(await runValidate(command));
  });
  return cmd;
}
