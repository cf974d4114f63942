/**
 * OIDC discovery as go-oidc's NewProvider does it, with kube-apiserver's `discoveryURL` rewrite:
 * GET `{issuer}/.well-known/openid-configuration` (or the discovery URL, errors still naming the
 * well-known URL), the document's `issuer` equal to the configured URL byte for byte, and a
 * `jwks_uri` present (kube 1.35 requires it). Errors carry go-oidc's words.
 */
import type { IssuerClient } from './http.js';
import { cannotUnmarshal, cannotUnmarshalField, goJSONSyntaxError, unmarshalRespError } from './gowords.js';
import { goQuote } from '../../util/goquote.js';

export interface ProviderMetadata {
  readonly issuer: string;
  readonly jwksURI: string;
}

/** The URL go-oidc fetches discovery from, before kube's rewrite. */
export function wellKnownURL(issuerURL: string): string {
  return `${issuerURL.endsWith('/') ? issuerURL.slice(0, -1) : issuerURL}/.well-known/openid-configuration`;
}

const STRING_FIELDS: ReadonlySet<string> = new Set(['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint']);
const ALGS_FIELD = 'id_token_signing_alg_values_supported';

/** Fetches and checks the discovery document; rejects with go-oidc's message. */
export async function discoverProvider(client: IssuerClient, issuerURL: string, discoveryURL?: string): Promise<ProviderMetadata> {
  const wellKnown = wellKnownURL(issuerURL);
  const res = await client.get(discoveryURL || wellKnown, { as: wellKnown });
  const body = res.body.toString('utf8');
  if (res.status !== 200) throw new Error(`${res.statusLine}: ${body}`);
  const ct = res.headers['content-type'];
  // go-oidc's unmarshalResp words every decoding failure, syntax or type, by the Content-Type.
  const decodeError = (why: string): Error =>
    new Error(`oidc: failed to decode provider discovery object: ${unmarshalRespError(typeof ct === 'string' ? ct : undefined, why)}`);
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (e) {
    throw decodeError(goJSONSyntaxError(body, e));
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    if (doc === null) throw new Error(`oidc: issuer did not match the issuer returned by provider, expected ${goQuote(issuerURL)} got ""`);
    throw decodeError(cannotUnmarshal(doc, 'oidc.providerJSON'));
  }
  const d = doc as Record<string, unknown>;
  // encoding/json reports the first mismatch in document order.
  for (const [f, v] of Object.entries(d)) {
    if (STRING_FIELDS.has(f) && v !== null && typeof v !== 'string') throw decodeError(cannotUnmarshalField(v, 'providerJSON', f, 'string'));
    if (f === ALGS_FIELD && v !== null) {
      if (!Array.isArray(v)) throw decodeError(cannotUnmarshalField(v, 'providerJSON', f, '[]string'));
      const bad = v.find((a) => a !== null && typeof a !== 'string');
      if (bad !== undefined) throw decodeError(cannotUnmarshalField(bad, 'providerJSON', f, 'string'));
    }
  }
  const issuer = typeof d['issuer'] === 'string' ? d['issuer'] : '';
  if (issuer !== issuerURL) throw new Error(`oidc: issuer did not match the issuer returned by provider, expected ${goQuote(issuerURL)} got ${goQuote(issuer)}`);
  const jwksURI = typeof d['jwks_uri'] === 'string' ? d['jwks_uri'] : '';
  if (jwksURI === '') throw new Error('provider did not return JWKS URL');
  return { issuer, jwksURI };
}
