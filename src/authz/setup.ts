/**
 * Authorization from `serve`'s flags in one call: parse `--authorization-mode`, load the
 * `--rbac-objects` files, build the chain. Start-up problems throw DoormanErrors; everything the
 * operator should read but that does not stop the server comes back as warnings.
 */
import { loadRbacObjects } from './rbac/load.js';
import { buildAuthorizerChain, parseAuthorizationModes, type AuthorizerChain } from './modes.js';

/** Inputs of {@link buildAuthorizer}, straight from the flags. */
export interface AuthorizerSetupOptions {
  /** `--authorization-mode` occurrences; undefined when the flag was not given. */
  readonly modes: string | readonly string[] | undefined;
  /** `--rbac-objects` files and folders. */
  readonly rbacObjectPaths: readonly string[];
}

/** The chain plus everything start-up should print. */
export type AuthorizerSetup = AuthorizerChain;

/**
 * Builds the authorizer chain from flags.
 *
 * @example
 * const setup = buildAuthorizer({ modes: ['Node,RBAC'], rbacObjectPaths: ['rbac/'] });
 * for (const w of setup.warnings) log.warn(w);
 * await setup.authorizer.authorize(attrs);
 */
export function buildAuthorizer(options: AuthorizerSetupOptions): AuthorizerSetup {
  const parsed = parseAuthorizationModes(options.modes);
  const warnings: string[] = [...parsed.warnings];
  // Load even when unused, so a broken file is reported before RBAC is switched on.
  const loaded = options.rbacObjectPaths.length > 0 ? loadRbacObjects(options.rbacObjectPaths) : undefined;
  if (loaded) {
    warnings.push(...loaded.warnings);
    if (!parsed.modes.includes('RBAC')) {
      warnings.push('--rbac-objects is set but RBAC is not in --authorization-mode: the RBAC objects are loaded and checked, not used');
    }
  }
  const chain = buildAuthorizerChain(loaded ? { modes: parsed.modes, rbacObjects: loaded.objects } : { modes: parsed.modes });
  return { ...chain, warnings: Object.freeze([...warnings, ...chain.warnings]) };
}
