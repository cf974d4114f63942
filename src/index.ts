/**
 * doorman as a library: the same decision engine `doorman serve` and `doorman check` run, and
 * the pieces it is built from. Sub-paths `doorman/authn`, `doorman/authz`, `doorman/audit` and
 * `doorman/health` expose each part on its own.
 *
 * @example
 * import { buildRuntime, decide, memoryLogger } from 'doorman';
 * const rt = buildRuntime({ ...options }, memoryLogger(), '127.0.0.1:6443');
 * const d = await decide(rt.snapshot, { method: 'GET', target: '/livez', headers: {}, remoteAddress: '10.0.0.1' });
 * d.response.status; // 200
 */
export { decide, type Decision, type EngineRequest, type EngineSnapshot, type Handler, type HandlerContext } from './engine.js';
export { buildRuntime, type Runtime, type ServeOptions } from './snapshot.js';
export { startServer, type RunningServer, type ServerOptions } from './server/server.js';
export { klogLogger, memoryLogger, type Logger } from './server/log.js';
export { parseRequestTarget, resolveRequestInfo, isLongRunning, type CanonicalURL, type RequestInfo } from './request/index.js';
export {
  loadAuthenticationConfiguration,
  parseAuthenticationConfiguration,
  validateAuthenticationConfiguration,
  resolveAnonymous,
  type AuthenticationConfiguration,
} from './config/authentication.js';
export { DoormanError, FieldErrorList, fieldErrorString, type DoormanErrorCode, type FieldError } from './errors.js';
export { DOORMAN_VERSION, KUBERNETES_TARGET } from './version.js';
