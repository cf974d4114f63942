/**
 * The endpoints doorman serves itself when it has no upstream: `/version` and the legacy
 * discovery documents `/api` and `/apis`, in kube-apiserver's JSON shapes.
 */
import { arch, platform, version as nodeVersion } from 'node:process';
import { DOORMAN_VERSION, KUBERNETES_TARGET } from '../version.js';
import { goJSONIndent } from '../util/gojson.js';
import { encodeObject, type EngineResponse } from './status.js';

const GO_ARCH: Readonly<Record<string, string>> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm', s390x: 's390x', ppc64: 'ppc64le' };

/** `/version`'s body, in version.Info key order. */
export function versionInfo(): Record<string, string> {
  const minor = Number(KUBERNETES_TARGET.minor);
  return {
    major: KUBERNETES_TARGET.major,
    minor: KUBERNETES_TARGET.minor,
    emulationMajor: KUBERNETES_TARGET.major,
    emulationMinor: KUBERNETES_TARGET.minor,
    minCompatibilityMajor: KUBERNETES_TARGET.major,
    minCompatibilityMinor: String(minor - 1),
    gitVersion: `v${DOORMAN_VERSION}`,
    gitCommit: '',
    gitTreeState: '',
    buildDate: '',
    goVersion: nodeVersion,
    compiler: 'node',
    platform: `${platform}/${GO_ARCH[arch] ?? arch}`,
  };
}

/** `/version` is written with WriteRawJSON: always indented, whatever the client asked. */
export function versionResponse(): EngineResponse {
  return { status: 200, headers: { 'Content-Type': 'application/json' }, body: goJSONIndent(versionInfo()) };
}

/** An API group and the resources doorman serves in it, for discovery. */
export interface ServedGroup {
  readonly group: string;
  readonly version: string;
  readonly resources: readonly {
    readonly name: string;
    readonly singularName: string;
    readonly namespaced: boolean;
    readonly kind: string;
    readonly verbs: readonly string[];
  }[];
}

export function apiVersionsResponse(serverAddress: string, pretty: boolean): EngineResponse {
  const body = { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
  return { status: 200, headers: { 'Content-Type': 'application/json' }, body: encodeObject(body, pretty) };
}

export function apiGroupListResponse(groups: readonly ServedGroup[], pretty: boolean): EngineResponse {
  const body = {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups
      .filter((g) => g.group !== '')
      .map((g) => {
        const gv = { groupVersion: `${g.group}/${g.version}`, version: g.version };
        return { name: g.group, versions: [gv], preferredVersion: gv };
      }),
  };
  return { status: 200, headers: { 'Content-Type': 'application/json' }, body: encodeObject(body, pretty) };
}

export function apiResourceListResponse(g: ServedGroup, pretty: boolean): EngineResponse {
  // The core group's list carries no apiVersion; named groups' lists do.
  const body =
    g.group === ''
      ? { kind: 'APIResourceList', groupVersion: g.version, resources: g.resources }
      : { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${g.group}/${g.version}`, resources: g.resources };
  return { status: 200, headers: { 'Content-Type': 'application/json' }, body: encodeObject(body, pretty) };
}
