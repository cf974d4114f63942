/**
 * Registration on a server's own prom-client Registry. A reload builds new authenticators (and
 * with them new metric users) on the registry start-up filled, so a metric already registered
 * under a name is reused rather than registered twice (prom-client throws on that).
 */
import type { Registry } from 'prom-client';

/**
 * The metric registered on `registry` as `config.name` when it is a `ctor`, else `new ctor(config)`
 * (whose `registers` should name `registry`).
 *
 * @example
 * const c = registeredMetric(registry, Counter, { name: 'x_total', help: 'x', registers: [registry] });
 */
export function registeredMetric<C extends { readonly name: string }, T>(registry: Registry, ctor: new (config: C) => T, config: C): T {
  const m = registry.getSingleMetric(config.name);
  return m instanceof ctor ? m : new ctor(config);
}
