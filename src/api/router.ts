/**
 * The built-in handler: exact-path routing of authorized requests to the health endpoints,
 * `/version` and discovery. Paths are the canonical decoded path; nothing is cleaned or
 * prefix-matched, so what RBAC checked is exactly what is served.
 */
import type { Handler, HandlerContext } from '../engine.js';
import type { HealthEndpoint } from '../health/index.js';
import { apiGroupListResponse, apiResourceListResponse, apiVersionsResponse, versionResponse, type ServedGroup } from './builtin.js';
import type { EngineResponse } from './status.js';

export interface BuiltinRoutes {
  readonly health: readonly HealthEndpoint[];
  readonly groups: readonly ServedGroup[];
  /** `host:port` clients should use, for `/api`'s serverAddressByClientCIDRs. */
  readonly serverAddress: string;
  /** Extra exact-path handlers (e.g. review APIs, metrics). */
  readonly extra?: ReadonlyMap<string, Handler>;
}

type Route = (ctx: HandlerContext) => EngineResponse | undefined | Promise<EngineResponse | undefined>;

/** Builds the exact-path route table once, at snapshot time. */
export function builtinHandler(r: BuiltinRoutes): Handler {
  const routes = new Map<string, Route>();
  for (const h of r.health) {
    for (const p of h.paths()) routes.set(p, (ctx) => h.serve(ctx.url.path, ctx.url.query));
  }
  const version: Route = () => versionResponse();
  routes.set('/version', version);
  routes.set('/version/', version);
  const apis: Route = (ctx) => apiVersionsResponse(r.serverAddress, ctx.pretty);
  routes.set('/api', apis);
  routes.set('/api/', apis);
  const groups: Route = (ctx) => apiGroupListResponse(r.groups, ctx.pretty);
  routes.set('/apis', groups);
  routes.set('/apis/', groups);
  for (const g of r.groups) {
    const path = g.group === '' ? `/api/${g.version}` : `/apis/${g.group}/${g.version}`;
    routes.set(path, (ctx) => apiResourceListResponse(g, ctx.pretty));
  }
  for (const [p, h] of r.extra ?? []) routes.set(p, h);
  return (ctx) => {
    const route = routes.get(ctx.url.path);
    return route ? route(ctx) : undefined;
  };
}
