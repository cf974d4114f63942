/**
 * The built-in handler: exact-path routing of authorized requests to the health endpoints,
 * `/version` and `/metrics`, and kube-apiserver's API surface (discovery and the review APIs).
 * Paths are the canonical decoded path; nothing is cleaned, so what RBAC checked is exactly what
 * is served.
 *
 * API paths are routed the way kube-apiserver's director and go-restful route them: a path under
 * a served API prefix (`/api/...`, `/apis/<listed group>/...`) belongs to a web service, so a miss
 * there is the Status 404 `the server could not find the requested resource` and a known path
 * with the wrong method is the Status 405; any other path falls through to Go's plain
 * `404 page not found`.
 */
import type { Handler, HandlerContext } from '../engine.js';
import type { HealthEndpoint } from '../health/index.js';
import { methodNotAllowedStatus, notFoundStatus } from './apierrors.js';
import { versionResponse } from './builtin.js';
import { API_GROUPS, CORE_GROUP } from './catalog.js';
import { buildDiscovery } from './discovery.js';
import { REVIEW_ENDPOINTS, type ReviewDeps, type ReviewEndpoint } from './reviews.js';
import type { EngineResponse } from './status.js';

export interface BuiltinRoutes {
  readonly health: readonly HealthEndpoint[];
  /** `host:port` clients should use, for `/api`'s serverAddressByClientCIDRs. */
  readonly serverAddress: string;
  /** Extra exact-path handlers (e.g. metrics). */
  readonly extra?: ReadonlyMap<string, Handler>;
  /** The chains the review APIs consult. Without them the review paths answer 404 like any unserved resource. */
  readonly reviews?: ReviewDeps;
}

type Route = (ctx: HandlerContext) => EngineResponse | undefined | Promise<EngineResponse | undefined>;

/** Where a request under an API prefix lands. */
type ApiRoute =
  | { readonly kind: 'root'; readonly path: '/api' | '/apis' }
  | { readonly kind: 'group'; readonly group: string }
  | { readonly kind: 'version'; readonly group: string; readonly version: string }
  | { readonly kind: 'review'; readonly endpoint: ReviewEndpoint }
  | { readonly kind: 'none' };

const LISTED_GROUPS = new Map(API_GROUPS.map((g) => [g.name, g]));

/**
 * Which web service, if any, owns `path` (kube-apiserver's director), and the route inside it.
 * Undefined: no web service, the plain 404.
 */
export function apiRouteFor(path: string): ApiRoute | undefined {
  if (path === '/api' || path === '/api/') return { kind: 'root', path: '/api' };
  if (path === '/apis' || path === '/apis/') return { kind: 'root', path: '/apis' };
  // go-restful tokenizes the path with leading and trailing slashes trimmed.
  const seg = path.replace(/^\/+|\/+$/g, '').split('/');
  if (seg[0] === 'api' && path.startsWith('/api/')) {
    if (seg.length === 2 && CORE_GROUP.versions.some((v) => v.version === seg[1])) return { kind: 'version', group: '', version: seg[1] as string };
    return { kind: 'none' };
  }
  if (seg[0] !== 'apis' || !path.startsWith('/apis/') || seg.length < 2) return undefined;
  const group = LISTED_GROUPS.get(seg[1] as string);
  if (!group) return undefined;
  if (seg.length === 2) return { kind: 'group', group: group.name };
  const version = seg[2] as string;
  if (!group.versions.some((v) => v.version === version)) return { kind: 'none' };
  if (seg.length === 3) return { kind: 'version', group: group.name, version };
  const rest = seg.slice(3);
  const endpoint = REVIEW_ENDPOINTS.find((e) => {
    if (e.group !== group.name || e.version !== version) return false;
    if (!e.namespaced) return rest.length === 1 && rest[0] === e.resource;
    return rest.length === 3 && rest[0] === 'namespaces' && rest[1] !== '' && rest[2] === e.resource;
  });
  return endpoint ? { kind: 'review', endpoint } : { kind: 'none' };
}

/** Builds the route table and discovery documents once, at snapshot time. */
export function builtinHandler(r: BuiltinRoutes): Handler {
  const routes = new Map<string, Route>();
  for (const h of r.health) {
    for (const p of h.paths()) routes.set(p, (ctx) => h.serve(ctx.url.path, ctx.url.query));
  }
  const version: Route = () => versionResponse();
  routes.set('/version', version);
  routes.set('/version/', version);
  for (const [p, h] of r.extra ?? []) routes.set(p, h);
  const discovery = buildDiscovery(CORE_GROUP, API_GROUPS, r.serverAddress);

  const api = (ctx: HandlerContext, route: ApiRoute): EngineResponse | Promise<EngineResponse> => {
    const get = ctx.request.method === 'GET';
    switch (route.kind) {
      case 'root':
        return get ? discovery.root(route.path, ctx) : methodNotAllowedStatus(ctx.pretty);
      case 'group':
        return get ? (discovery.group(route.group, ctx) ?? notFoundStatus(ctx.pretty)) : methodNotAllowedStatus(ctx.pretty);
      case 'version':
        return get ? (discovery.resources(route.group, route.version, ctx) ?? notFoundStatus(ctx.pretty)) : methodNotAllowedStatus(ctx.pretty);
      case 'review':
        if (ctx.request.method !== 'POST') return methodNotAllowedStatus(ctx.pretty);
        return r.reviews ? route.endpoint.handle(ctx, r.reviews) : notFoundStatus(ctx.pretty);
      case 'none':
        return notFoundStatus(ctx.pretty);
    }
  };

  return (ctx) => {
    const route = routes.get(ctx.url.path);
    if (route) return route(ctx);
    const a = apiRouteFor(ctx.url.path);
    return a ? api(ctx, a) : undefined;
  };
}
