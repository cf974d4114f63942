/** RequestInfo for tests, from the real resolver rather than hand-built records. */
import { parseRequestTarget } from '../../src/request/url.js';
import { resolveRequestInfo } from '../../src/request/requestinfo.js';
import type { RequestInfo } from '../../src/request/types.js';

export function requestInfo(method: string, target: string): RequestInfo {
  return resolveRequestInfo(method, parseRequestTarget(target)).info;
}
