/**
 * Discovery documents as kube-apiserver writes them: the legacy `/api` (APIVersions), `/apis`
 * (APIGroupList), `/apis/<group>` (APIGroup), `/api/v1` and `/apis/<group>/<version>`
 * (APIResourceList), and the aggregated `apidiscovery.k8s.io/v2` APIGroupDiscoveryList for `/api`
 * and `/apis` when the client's Accept header asks for it, with its ETag and 304. Everything is
 * rendered once from the catalog at start-up; a request only picks a precomputed answer.
 */
import { createHash } from 'node:crypto';
import type { HandlerContext } from '../engine.js';
import { goJSON } from '../util/gojson.js';
import type { CatalogGroup, CatalogResource } from './catalog.js';
import { encodeObject, type EngineResponse } from './status.js';

/** The Content-Type of the aggregated document (listGVKInContentType). */
export const AGGREGATED_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

interface AcceptClause {
  readonly type: string;
  readonly subType: string;
  readonly q: number;
  readonly params: ReadonlyMap<string, string>;
}

/** goautoneg.ParseAccept: clauses with parameters, best quality first (stable otherwise). */
export function parseAccept(header: string): AcceptClause[] {
  const clauses: AcceptClause[] = [];
  for (const part of header.split(',')) {
    const [mediaRange = '', ...rawParams] = part.split(';');
    const mr = mediaRange.trim();
    if (mr === '') continue;
    const slash = mr.indexOf('/');
    const type = slash < 0 ? mr : mr.slice(0, slash);
    const subType = slash < 0 ? '*' : mr.slice(slash + 1);
    let q = 1;
    const params = new Map<string, string>();
    for (const p of rawParams) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const k = p.slice(0, eq).trim();
      const v = p.slice(eq + 1).trim();
      if (k === 'q') q = Number.parseFloat(v) || 0;
      else params.set(k, v);
    }
    clauses.push({ type, subType, q, params });
  }
  const rank = (c: AcceptClause): number => (c.type === '*' ? 2 : c.subType === '*' ? 1 : 0);
  return clauses.map((c, i) => ({ c, i })).sort((a, b) => b.c.q - a.c.q || rank(a.c) - rank(b.c) || a.i - b.i).map((x) => x.c);
}

/**
 * NegotiateMediaTypeOptions with the discovery endpoint's restrictions: true when the first
 * usable JSON clause converts to `apidiscovery.k8s.io/v2, Kind=APIGroupDiscoveryList`.
 */
export function wantsAggregated(accept: string | undefined): boolean {
  if (!accept) return false;
  for (const c of parseAccept(accept)) {
    const json = (c.type === 'application' && (c.subType === 'json' || c.subType === '*')) || (c.type === '*' && c.subType === '*');
    if (!json) continue;
    const g = c.params.get('g');
    const v = c.params.get('v');
    const as = c.params.get('as');
    if (g === undefined && v === undefined && as === undefined) return false;
    if (g === 'apidiscovery.k8s.io' && v === 'v2' && as === 'APIGroupDiscoveryList') return true;
    // Any other conversion (v2beta1, a Table, ...) is refused here; the next clause is tried.
  }
  return false;
}

function apiResource(r: CatalogResource): Record<string, unknown> {
  return {
    name: r.name,
    singularName: r.singularName,
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: r.verbs,
    ...(r.shortNames ? { shortNames: r.shortNames } : {}),
    ...(r.categories ? { categories: r.categories } : {}),
  };
}

function discoveryResource(r: CatalogResource): Record<string, unknown> {
  return {
    resource: r.name,
    responseKind: { group: '', version: '', kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singularName,
    verbs: r.verbs,
    ...(r.shortNames ? { shortNames: r.shortNames } : {}),
    ...(r.categories ? { categories: r.categories } : {}),
  };
}

function groupVersions(g: CatalogGroup): { groupVersion: string; version: string }[] {
  return g.versions.map((v) => ({ groupVersion: `${g.name}/${v.version}`, version: v.version }));
}

function aggregatedList(groups: readonly CatalogGroup[]): Record<string, unknown> {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map((g) => ({
      metadata: g.name === '' ? {} : { name: g.name },
      versions: g.versions.map((v) => ({ version: v.version, resources: v.resources.map(discoveryResource), freshness: 'Current' })),
    })),
  };
}

/** One precomputed document: its object, and the aggregated body and ETag when it has one. */
interface Document {
  readonly object: Record<string, unknown>;
  readonly compact: string;
  readonly pretty: string;
}

function document(object: Record<string, unknown>): Document {
  return { object, compact: encodeObject(object, false), pretty: encodeObject(object, true) };
}

function jsonAnswer(d: Document, pretty: boolean, headers: Record<string, string> = { 'Content-Type': 'application/json' }): EngineResponse {
  return { status: 200, headers, body: pretty ? d.pretty : d.compact, apiObject: true };
}

/** The discovery half of doorman's API surface. */
export interface Discovery {
  /** `/api`, `/apis`: undefined for any other path. */
  root(path: '/api' | '/apis', ctx: HandlerContext): EngineResponse;
  /** `/apis/<group>` (APIGroup); undefined when the group is not listed. */
  group(name: string, ctx: HandlerContext): EngineResponse | undefined;
  /** `/api/v1`, `/apis/<group>/<version>` (APIResourceList); undefined when not listed. */
  resources(group: string, version: string, ctx: HandlerContext): EngineResponse | undefined;
}

function header(ctx: HandlerContext, name: string): string | undefined {
  const v = ctx.request.headers[name];
  return Array.isArray(v) ? v.join(',') : (v as string | undefined);
}

/**
 * Builds every discovery document for `core` (the `/api` group) and `groups` (`/apis`).
 *
 * @example
 * const d = buildDiscovery(CORE_GROUP, API_GROUPS, '127.0.0.1:6443');
 * d.root('/apis', ctx) // APIGroupList, or the v2 aggregated list when Accept asks for it
 */
export function buildDiscovery(core: CatalogGroup, groups: readonly CatalogGroup[], serverAddress: string): Discovery {
  const apiVersions = document({ kind: 'APIVersions', versions: core.versions.map((v) => v.version), serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] });
  const groupList = document({
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups.map((g) => {
      const versions = groupVersions(g);
      return { name: g.name, versions, preferredVersion: versions[0] };
    }),
  });
  const aggregated = (gs: readonly CatalogGroup[]): Document & { etag: string } => {
    const d = document(aggregatedList(gs));
    // The ETag is a hash of the document, so a client's cached copy stays valid until it changes.
    const etag = `"${createHash('sha512').update(goJSON(d.object)).digest('hex').toUpperCase()}"`;
    return { ...d, etag };
  };
  const aggregatedCore = aggregated([core]);
  const aggregatedGroups = aggregated(groups);

  const groupDocs = new Map<string, Document>();
  const resourceDocs = new Map<string, Document>();
  for (const g of [core, ...groups]) {
    if (g.name !== '') {
      const versions = groupVersions(g);
      groupDocs.set(g.name, document({ kind: 'APIGroup', apiVersion: 'v1', name: g.name, versions, preferredVersion: versions[0] }));
    }
    for (const v of g.versions) {
      const list =
        g.name === ''
          ? { kind: 'APIResourceList', groupVersion: v.version, resources: v.resources.map(apiResource) }
          : { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${g.name}/${v.version}`, resources: v.resources.map(apiResource) };
      resourceDocs.set(`${g.name}/${v.version}`, document(list));
    }
  }

  return {
    root(path, ctx) {
      if (wantsAggregated(header(ctx, 'accept'))) {
        const d = path === '/api' ? aggregatedCore : aggregatedGroups;
        const headers = { 'Content-Type': AGGREGATED_CONTENT_TYPE, ETag: d.etag, Vary: 'Accept' };
        const ifNoneMatch = ctx.request.headers['if-none-match'];
        const tags = Array.isArray(ifNoneMatch) ? ifNoneMatch : ifNoneMatch === undefined ? [] : [ifNoneMatch as string];
        if (tags.includes(d.etag)) return { status: 304, headers: { ETag: d.etag, Vary: 'Accept' }, body: '' };
        return jsonAnswer(d, ctx.pretty, headers);
      }
      return jsonAnswer(path === '/api' ? apiVersions : groupList, ctx.pretty);
    },
    group(name, ctx) {
      const d = groupDocs.get(name);
      return d && jsonAnswer(d, ctx.pretty);
    },
    resources(group, version, ctx) {
      const d = resourceDocs.get(`${group}/${version}`);
      return d && jsonAnswer(d, ctx.pretty);
    },
  };
}
