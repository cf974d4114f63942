/**
 * The authorizer attributes of a request (kube-apiserver's GetAuthorizerAttributes): the same
 * record feeds authorization and audit-policy evaluation.
 */
import type { UserInfo } from '../authn/types.js';
import type { RequestInfo } from '../request/types.js';
import type { Attributes } from './types.js';

export function attributesFor(info: RequestInfo, user: UserInfo | undefined): Attributes {
  return {
    user,
    verb: info.verb,
    isResourceRequest: info.isResourceRequest,
    path: info.path,
    apiGroup: info.apiGroup,
    apiVersion: info.apiVersion,
    namespace: info.namespace,
    resource: info.resource,
    subresource: info.subresource,
    name: info.name,
  };
}
