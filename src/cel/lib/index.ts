/**
 * The libraries of kube-apiserver's CEL base environment that are not the language's own:
 * cel-go's strings extension, and Kubernetes' regex, format, IP, CIDR, URL, quantity and
 * semver libraries. (An image library was proposed upstream, kubernetes/kubernetes#130834, and
 * never merged: kube-apiserver has none, so neither has doorman.)
 */
import type { FunctionDecl } from '../decl.js';
import { CIDR_LIBRARY } from './cidr.js';
import { FORMAT } from './format.js';
import { IP_LIBRARY } from './ip.js';
import { QUANTITY_LIBRARY } from './quantity.js';
import { REGEX } from './regex.js';
import { SEMVER_LIBRARY } from './semver.js';
import { STRINGS } from './strings.js';
import { URL_LIBRARY } from './url.js';

// ext.Strings at version 2, as kube's base environment pins it (string `reverse` is version 3).
export const LIBRARIES: readonly FunctionDecl[] = [...STRINGS, ...REGEX, ...FORMAT, ...IP_LIBRARY, ...CIDR_LIBRARY, ...URL_LIBRARY, ...QUANTITY_LIBRARY, ...SEMVER_LIBRARY];
