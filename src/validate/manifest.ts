/**
 * A kube-apiserver static-pod manifest (kubeadm's /etc/kubernetes/manifests/kube-apiserver.yaml)
 * as `doorman validate --from-manifest` reads it: the container's flags (`command` after the
 * binary, then `args`), its image tag (the release), its HTTP probes, and its volume mounts, so a
 * path the container sees can be read from the node's copy under `--host-root`. A file that is
 * not a Pod, or a Pod without a kube-apiserver container, is a usage error naming the problem.
 */
import { posix } from 'node:path';
import { DoormanError } from '../errors.js';
import { parseDocuments, readConfigFile } from '../config/decode.js';

/** An HTTP probe of the container (tcpSocket, exec and grpc probes need no authentication). */
export interface HttpProbe {
  readonly kind: 'livenessProbe' | 'readinessProbe' | 'startupProbe';
  /** Path and query as the kubelet sends them. */
  readonly path: string;
  readonly headers: readonly { readonly name: string; readonly value: string }[];
}

/** A volume mount backed by a hostPath volume. */
export interface HostMount {
  readonly volume: string;
  readonly mountPath: string;
  readonly hostPath: string;
}

export interface StaticPodManifest {
  readonly path: string;
  readonly image: string | undefined;
  /** The flags, in order, e.g. `--anonymous-auth=false`. */
  readonly args: readonly string[];
  readonly mounts: readonly HostMount[];
  /** Mount paths backed by something other than hostPath (configMap, secret, ...). */
  readonly otherMounts: readonly string[];
  readonly probes: readonly HttpProbe[];
}

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function strings(v: unknown): string[] {
  return arr(v).map((x) => String(x));
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function usage(message: string, cause?: unknown): DoormanError {
  return new DoormanError('FLAG_INVALID', message, cause === undefined ? undefined : { cause });
}

function isApiServer(c: Obj): boolean {
  if (c['name'] === 'kube-apiserver') return true;
  const bin = strings(c['command'])[0];
  return bin !== undefined && posix.basename(bin) === 'kube-apiserver';
}

/**
 * Reads and checks the manifest. Throws a `FLAG_INVALID` DoormanError (a usage error) when the
 * file cannot be read, is not a Pod, or has no kube-apiserver container.
 */
export function readStaticPodManifest(path: string): StaticPodManifest {
  let docs: unknown[];
  try {
    docs = parseDocuments(readConfigFile(path));
  } catch (e) {
    throw usage(`--from-manifest ${path}: ${(e as Error).message}`, e);
  }
  const pod = obj(docs[0]);
  const kind = str(pod?.['kind']) ?? '';
  if (docs.length !== 1 || !pod || kind !== 'Pod') {
    const what = docs.length === 0 ? 'it is empty' : docs.length > 1 ? `it holds ${docs.length} documents` : `its kind is ${JSON.stringify(kind)}`;
    throw usage(`--from-manifest ${path}: not a kube-apiserver static Pod manifest: ${what}, expected one object of kind "Pod"`);
  }
  const spec = obj(pod['spec']) ?? {};
  const containers = arr(spec['containers']).map(obj).filter((c): c is Obj => c !== undefined);
  const c = containers.find(isApiServer);
  if (!c) {
    const names = containers.map((x) => str(x['name']) ?? '?');
    throw usage(`--from-manifest ${path}: no kube-apiserver container in this Pod (containers: ${names.length > 0 ? names.join(', ') : 'none'})`);
  }
  const command = strings(c['command']);
  // The binary is command[0]; an image entrypoint with only args is fine too.
  const args = [...command.slice(1), ...strings(c['args'])];

  const hostPaths = new Map<string, string>();
  for (const v of arr(spec['volumes']).map(obj)) {
    const name = str(v?.['name']);
    const hp = str(obj(v?.['hostPath'])?.['path']);
    if (name !== undefined && hp !== undefined) hostPaths.set(name, hp);
  }
  const mounts: HostMount[] = [];
  const otherMounts: string[] = [];
  for (const m of arr(c['volumeMounts']).map(obj)) {
    const volume = str(m?.['name']);
    const mountPath = str(m?.['mountPath']);
    if (volume === undefined || mountPath === undefined) continue;
    const hostPath = hostPaths.get(volume);
    if (hostPath !== undefined) mounts.push({ volume, mountPath, hostPath });
    else otherMounts.push(mountPath);
  }

  const probes: HttpProbe[] = [];
  for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
    const get = obj(obj(c[kind])?.['httpGet']);
    if (!get) continue;
    const headers = arr(get['httpHeaders']).map(obj).map((h) => ({ name: str(h?.['name']) ?? '', value: str(h?.['value']) ?? '' }));
    probes.push({ kind, path: str(get['path']) ?? '/', headers });
  }
  return { path, image: str(c['image']), args, mounts, otherMounts, probes };
}

/**
 * Where a container path is read from on this machine: a local file; `invisible` when the
 * container cannot see it at all (kube-apiserver would fail to open it); `unreadable` when it is
 * on a volume doorman cannot read (configMap, secret, ...).
 */
export type Resolved =
  | { readonly kind: 'local'; readonly local: string }
  | { readonly kind: 'invisible'; readonly why: string }
  | { readonly kind: 'unreadable'; readonly why: string };

/**
 * Maps a path inside the container to the node's copy under `hostRoot`, through the longest
 * hostPath mount that contains it.
 *
 * @example
 * hostPathResolver(manifest, '/tmp/node1')('/etc/kubernetes/pki/ca.crt') // { kind: 'local', local: '/tmp/node1/etc/kubernetes/pki/ca.crt' }
 */
export function hostPathResolver(m: StaticPodManifest, hostRoot: string): (containerPath: string) => Resolved {
  const mounts = [...m.mounts].sort((a, b) => b.mountPath.length - a.mountPath.length);
  const under = (abs: string, dir: string): boolean => {
    const base = posix.normalize(dir).replace(/\/+$/, '');
    return abs === base || abs.startsWith(`${base}/`);
  };
  return (p) => {
    const abs = posix.normalize(p);
    for (const mt of mounts) {
      if (under(abs, mt.mountPath)) {
        const base = posix.normalize(mt.mountPath).replace(/\/+$/, '');
        return { kind: 'local', local: posix.join(hostRoot, mt.hostPath, abs.slice(base.length)) };
      }
    }
    if (m.otherMounts.some((o) => under(abs, o))) {
      return { kind: 'unreadable', why: `${p} is on a volume that is not a hostPath; doorman only reads hostPath volumes, so it is not checked` };
    }
    return { kind: 'invisible', why: `${p} is on no volume of the kube-apiserver container, so the container cannot see it` };
  };
}
