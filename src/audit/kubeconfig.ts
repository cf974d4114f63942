/**
 * Reading the kubeconfig-format file that `--audit-webhook-config-file` names, as client-go's
 * clientcmd does for a webhook: the current context picks a cluster (server URL, CA, TLS server
 * name, insecure flag) and a user (client certificate and key, bearer token or token file, basic
 * auth). File paths are relative to the kubeconfig's directory; `*-data` fields are base64.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseDocuments, readConfigFile } from '../config/decode.js';

/** Everything needed to call the webhook. */
export interface WebhookClientConfig {
  readonly url: URL;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly token?: string;
  readonly username?: string;
  readonly password?: string;
  readonly insecureSkipTLSVerify: boolean;
  readonly serverName?: string;
}

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}

function str(o: Obj, key: string): string {
  const v = o[key];
  return typeof v === 'string' ? v : '';
}

function named(list: unknown, name: string, field: string): Obj | undefined {
  if (!Array.isArray(list)) return undefined;
  for (const item of list) {
    const o = obj(item);
    if (o['name'] === name) return obj(o[field]);
  }
  return undefined;
}

function invalid(messages: string[]): Error {
  const body = messages.length === 1 ? (messages[0] ?? '') : `[${messages.join(', ')}]`;
  return new Error(`invalid configuration: ${body}`);
}

/**
 * Loads the webhook's client settings from a kubeconfig file.
 *
 * @example
 * const cfg = loadWebhookKubeconfig('/etc/kubernetes/audit-webhook.yaml');
 * cfg.url.href // 'https://audit.example.com/events'
 */
export function loadWebhookKubeconfig(file: string): WebhookClientConfig {
  const text = readConfigFile(file);
  const doc = obj(parseDocuments(text)[0]);
  const dir = path.dirname(path.resolve(file));
  const readRel = (p: string): Buffer => {
    const abs = path.isAbsolute(p) ? p : path.join(dir, p);
    try {
      return readFileSync(abs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new Error(`open ${abs}: ${code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`, { cause: e });
    }
  };

  const contextName = str(doc, 'current-context');
  if (contextName === '') throw invalid(['no configuration has been provided, try setting KUBERNETES_MASTER environment variable']);
  const context = named(doc['contexts'], contextName, 'context');
  if (!context) throw invalid([`context was not found for specified context: ${contextName}`]);
  const clusterName = str(context, 'cluster');
  const cluster = named(doc['clusters'], clusterName, 'cluster');
  const userName = str(context, 'user');
  const user = userName === '' ? {} : named(doc['users'], userName, 'user');
  const problems: string[] = [];
  if (!cluster) problems.push(`cluster ${JSON.stringify(clusterName)} not found for context ${JSON.stringify(contextName)}`);
  if (!user) problems.push(`user ${JSON.stringify(userName)} was not found for context ${JSON.stringify(contextName)}`);
  if (cluster && str(cluster, 'server') === '') problems.push('cluster has no server defined');
  if (problems.length > 0 || !cluster || !user) throw invalid(problems);

  let url: URL;
  try {
    url = new URL(str(cluster, 'server'));
  } catch {
    throw invalid([`host must be a URL or a host:port pair: ${JSON.stringify(str(cluster, 'server'))}`]);
  }

  const b64 = (v: string): Buffer => Buffer.from(v, 'base64');
  const ca = str(cluster, 'certificate-authority-data')
    ? b64(str(cluster, 'certificate-authority-data'))
    : str(cluster, 'certificate-authority')
      ? readRel(str(cluster, 'certificate-authority'))
      : undefined;
  const cert = str(user, 'client-certificate-data')
    ? b64(str(user, 'client-certificate-data'))
    : str(user, 'client-certificate')
      ? readRel(str(user, 'client-certificate'))
      : undefined;
  const key = str(user, 'client-key-data')
    ? b64(str(user, 'client-key-data'))
    : str(user, 'client-key')
      ? readRel(str(user, 'client-key'))
      : undefined;
  const token = str(user, 'token') || (str(user, 'tokenFile') ? readRel(str(user, 'tokenFile')).toString('utf8').trim() : '');
  if ((cert && !key) || (key && !cert)) {
    throw invalid([cert ? 'client-key-data or client-key must be specified for to use the clientCert authentication method.' : 'client-cert-data or client-cert must be specified for to use the clientCert authentication method.']);
  }
  const insecure = cluster['insecure-skip-tls-verify'] === true;
  return {
    url,
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(token ? { token } : {}),
    ...(str(user, 'username') ? { username: str(user, 'username') } : {}),
    ...(str(user, 'password') ? { password: str(user, 'password') } : {}),
    insecureSkipTLSVerify: insecure,
    ...(str(cluster, 'tls-server-name') ? { serverName: str(cluster, 'tls-server-name') } : {}),
  };
}
