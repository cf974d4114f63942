/**
 * The libraries of kube-apiserver's CEL base environment that are not the language's own, by the
 * release that brought them (k8s.io/apiserver/pkg/cel/environment/base.go): cel-go's strings
 * extension (version 2 from 1.29), and Kubernetes' URL, regex and quantity (before 1.29), IP and
 * CIDR (1.30), format (1.31) and semver (1.33) libraries. (An image library was proposed
 * upstream, kubernetes/kubernetes#130834, and never merged: kube-apiserver has none.)
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

/** Each library with the kube-apiserver minor release whose environment first has it. */
export const LIBRARIES: readonly { readonly since: number; readonly decls: readonly FunctionDecl[] }[] = [
  { since: 29, decls: STRINGS },
  { since: 0, decls: REGEX },
  { since: 0, decls: URL_LIBRARY },
  { since: 28, decls: QUANTITY_LIBRARY },
  { since: 30, decls: IP_LIBRARY },
  { since: 30, decls: CIDR_LIBRARY },
  { since: 31, decls: FORMAT },
  { since: 33, decls: SEMVER_LIBRARY },
];
