/**
 * `/version`, in kube-apiserver's shape (version.Info) with doorman's own values. Discovery lives
 * in discovery.ts, the review APIs in reviews.ts.
 */
import { arch, platform, version as nodeVersion } from 'node:process';
import { DOORMAN_VERSION, KUBERNETES_TARGET } from '../version.js';
import { goJSONIndent } from '../util/gojson.js';
import type { EngineResponse } from './status.js';

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
