/**
 * The Go structs of the objects doorman's review APIs read and write, as declared in
 * k8s.io/api/authentication/v1, k8s.io/api/authorization/v1 and k8s.io/apimachinery meta/v1:
 * JSON names and their order, omitempty, protobuf field numbers and the type names encoding/json
 * prints in errors. One table drives JSON decoding, protobuf decoding and JSON encoding.
 */
import { BOOL, STRING, STRINGS, type GoField, type GoType, type StructType } from './gotypes.js';

const str = (json: string, proto: number, name?: string): GoField => ({ json, proto, omitempty: true, type: name ? { t: 'string', name } : STRING });
const strs = (json: string, proto: number): GoField => ({ json, proto, omitempty: true, type: STRINGS });
const ptr = (json: string, proto: number, s: StructType): GoField => ({ json, proto, omitempty: true, type: { t: 'ptr', elem: { t: 'struct', s } } });
const struct = (s: StructType): GoType => ({ t: 'struct', s });

/** kind and apiVersion, inlined first in every object (protobuf carries them outside the object). */
const TYPE_META: readonly GoField[] = [
  { json: 'kind', type: STRING, omitempty: true },
  { json: 'apiVersion', type: STRING, omitempty: true },
];

const OWNER_REFERENCE: StructType = {
  name: 'OwnerReference',
  pkg: 'v1',
  fields: [
    { json: 'apiVersion', type: STRING, proto: 5 },
    { json: 'kind', type: STRING, proto: 1 },
    { json: 'name', type: STRING, proto: 3 },
    { json: 'uid', type: { t: 'string', name: 'types.UID' }, proto: 4 },
    { json: 'controller', type: { t: 'ptr', elem: BOOL }, omitempty: true, proto: 6 },
    { json: 'blockOwnerDeletion', type: { t: 'ptr', elem: BOOL }, omitempty: true, proto: 7 },
  ],
};

const MANAGED_FIELDS_ENTRY: StructType = {
  name: 'ManagedFieldsEntry',
  pkg: 'v1',
  fields: [
    str('manager', 1),
    str('operation', 2, 'v1.ManagedFieldsOperationType'),
    str('apiVersion', 3),
    { json: 'time', type: { t: 'ptr', elem: { t: 'time' } }, omitempty: true, proto: 4 },
    str('fieldsType', 6),
    { json: 'fieldsV1', type: { t: 'raw', name: 'v1.FieldsV1' }, omitempty: true, proto: 7 },
    str('subresource', 8),
  ],
};

/** metav1.ObjectMeta; creationTimestamp is `omitempty,omitzero` since Kubernetes 1.34. */
export const OBJECT_META: StructType = {
  name: 'ObjectMeta',
  pkg: 'v1',
  fields: [
    str('name', 1),
    str('generateName', 2),
    str('namespace', 3),
    str('selfLink', 4),
    str('uid', 5, 'types.UID'),
    str('resourceVersion', 6),
    { json: 'generation', type: { t: 'int', name: 'int64' }, omitempty: true, proto: 7 },
    { json: 'creationTimestamp', type: { t: 'time' }, omitempty: true, omitzero: true, proto: 8 },
    { json: 'deletionTimestamp', type: { t: 'ptr', elem: { t: 'time' } }, omitempty: true, proto: 9 },
    { json: 'deletionGracePeriodSeconds', type: { t: 'ptr', elem: { t: 'int', name: 'int64' } }, omitempty: true, proto: 10 },
    { json: 'labels', type: { t: 'map', elem: STRING }, omitempty: true, proto: 11 },
    { json: 'annotations', type: { t: 'map', elem: STRING }, omitempty: true, proto: 12 },
    { json: 'ownerReferences', type: { t: 'slice', elem: struct(OWNER_REFERENCE) }, omitempty: true, proto: 13 },
    strs('finalizers', 14),
    { json: 'managedFields', type: { t: 'slice', elem: struct(MANAGED_FIELDS_ENTRY) }, omitempty: true, proto: 17 },
  ],
};

const metadata: GoField = { json: 'metadata', type: struct(OBJECT_META), omitempty: true, proto: 1 };

/** ExtraValue: a named []string (a message with `items = 1` in protobuf). */
const EXTRA_VALUE: GoType = { t: 'slice', elem: STRING, name: 'v1.ExtraValue' };
const EXTRA: GoType = { t: 'map', elem: EXTRA_VALUE };

/** metav1.LabelSelectorRequirement and authorization/v1 FieldSelectorRequirement share a shape. */
function selectorRequirement(name: string, operatorType: string): StructType {
  return {
    name,
    pkg: 'v1',
    fields: [{ json: 'key', type: STRING, proto: 1 }, { json: 'operator', type: { t: 'string', name: operatorType }, proto: 2 }, strs('values', 3)],
  };
}

/** FieldSelectorAttributes / LabelSelectorAttributes: a raw selector or parsed requirements. */
function selectorAttributes(name: string, requirement: StructType): StructType {
  return {
    name,
    pkg: 'v1',
    fields: [str('rawSelector', 1), { json: 'requirements', type: { t: 'slice', elem: struct(requirement) }, omitempty: true, proto: 2 }],
  };
}

const FIELD_SELECTOR_ATTRIBUTES = selectorAttributes('FieldSelectorAttributes', selectorRequirement('FieldSelectorRequirement', 'v1.FieldSelectorOperator'));
const LABEL_SELECTOR_ATTRIBUTES = selectorAttributes('LabelSelectorAttributes', selectorRequirement('LabelSelectorRequirement', 'v1.LabelSelectorOperator'));

export const RESOURCE_ATTRIBUTES: StructType = {
  name: 'ResourceAttributes',
  pkg: 'v1',
  fields: [
    str('namespace', 1),
    str('verb', 2),
    str('group', 3),
    str('version', 4),
    str('resource', 5),
    str('subresource', 6),
    str('name', 7),
    ptr('fieldSelector', 8, FIELD_SELECTOR_ATTRIBUTES),
    ptr('labelSelector', 9, LABEL_SELECTOR_ATTRIBUTES),
  ],
};

export const NON_RESOURCE_ATTRIBUTES: StructType = { name: 'NonResourceAttributes', pkg: 'v1', fields: [str('path', 1), str('verb', 2)] };

const SUBJECT_ACCESS_REVIEW_SPEC: StructType = {
  name: 'SubjectAccessReviewSpec',
  pkg: 'v1',
  fields: [
    ptr('resourceAttributes', 1, RESOURCE_ATTRIBUTES),
    ptr('nonResourceAttributes', 2, NON_RESOURCE_ATTRIBUTES),
    str('user', 3),
    strs('groups', 4),
    { json: 'extra', type: EXTRA, omitempty: true, proto: 5 },
    str('uid', 6),
  ],
};

const SELF_SUBJECT_ACCESS_REVIEW_SPEC: StructType = {
  name: 'SelfSubjectAccessReviewSpec',
  pkg: 'v1',
  fields: [ptr('resourceAttributes', 1, RESOURCE_ATTRIBUTES), ptr('nonResourceAttributes', 2, NON_RESOURCE_ATTRIBUTES)],
};

const SUBJECT_ACCESS_REVIEW_STATUS: StructType = {
  name: 'SubjectAccessReviewStatus',
  pkg: 'v1',
  fields: [
    { json: 'allowed', type: BOOL, proto: 1 },
    { json: 'denied', type: BOOL, omitempty: true, proto: 4 },
    str('reason', 2),
    str('evaluationError', 3),
  ],
};

function review(name: string, spec: StructType, status: StructType): StructType {
  return {
    name,
    pkg: 'v1',
    fields: [
      ...TYPE_META,
      metadata,
      { json: 'spec', type: struct(spec), proto: 2 },
      { json: 'status', type: struct(status), omitempty: true, proto: 3 },
    ],
  };
}

export const SELF_SUBJECT_ACCESS_REVIEW = review('SelfSubjectAccessReview', SELF_SUBJECT_ACCESS_REVIEW_SPEC, SUBJECT_ACCESS_REVIEW_STATUS);
export const SUBJECT_ACCESS_REVIEW = review('SubjectAccessReview', SUBJECT_ACCESS_REVIEW_SPEC, SUBJECT_ACCESS_REVIEW_STATUS);
export const LOCAL_SUBJECT_ACCESS_REVIEW = review('LocalSubjectAccessReview', SUBJECT_ACCESS_REVIEW_SPEC, SUBJECT_ACCESS_REVIEW_STATUS);

const RESOURCE_RULE: StructType = {
  name: 'ResourceRule',
  pkg: 'v1',
  fields: [{ json: 'verbs', type: STRINGS, proto: 1 }, strs('apiGroups', 2), strs('resources', 3), strs('resourceNames', 4)],
};
const NON_RESOURCE_RULE: StructType = {
  name: 'NonResourceRule',
  pkg: 'v1',
  fields: [{ json: 'verbs', type: STRINGS, proto: 1 }, strs('nonResourceURLs', 2)],
};
const SUBJECT_RULES_REVIEW_STATUS: StructType = {
  name: 'SubjectRulesReviewStatus',
  pkg: 'v1',
  fields: [
    { json: 'resourceRules', type: { t: 'slice', elem: struct(RESOURCE_RULE) }, proto: 1 },
    { json: 'nonResourceRules', type: { t: 'slice', elem: struct(NON_RESOURCE_RULE) }, proto: 2 },
    { json: 'incomplete', type: BOOL, proto: 3 },
    str('evaluationError', 4),
  ],
};
const SELF_SUBJECT_RULES_REVIEW_SPEC: StructType = { name: 'SelfSubjectRulesReviewSpec', pkg: 'v1', fields: [str('namespace', 1)] };
export const SELF_SUBJECT_RULES_REVIEW = review('SelfSubjectRulesReview', SELF_SUBJECT_RULES_REVIEW_SPEC, SUBJECT_RULES_REVIEW_STATUS);

const USER_INFO: StructType = {
  name: 'UserInfo',
  pkg: 'v1',
  fields: [str('username', 1), str('uid', 2), strs('groups', 3), { json: 'extra', type: EXTRA, omitempty: true, proto: 4 }],
};

const TOKEN_REVIEW_SPEC: StructType = { name: 'TokenReviewSpec', pkg: 'v1', fields: [str('token', 1), strs('audiences', 2)] };
const TOKEN_REVIEW_STATUS: StructType = {
  name: 'TokenReviewStatus',
  pkg: 'v1',
  fields: [
    { json: 'authenticated', type: BOOL, omitempty: true, proto: 1 },
    { json: 'user', type: struct(USER_INFO), omitempty: true, proto: 2 },
    strs('audiences', 4),
    str('error', 3),
  ],
};
export const TOKEN_REVIEW = review('TokenReview', TOKEN_REVIEW_SPEC, TOKEN_REVIEW_STATUS);

const SELF_SUBJECT_REVIEW_STATUS: StructType = {
  name: 'SelfSubjectReviewStatus',
  pkg: 'v1',
  fields: [{ json: 'userInfo', type: struct(USER_INFO), omitempty: true, proto: 1 }],
};
export const SELF_SUBJECT_REVIEW: StructType = {
  name: 'SelfSubjectReview',
  pkg: 'v1',
  fields: [...TYPE_META, metadata, { json: 'status', type: struct(SELF_SUBJECT_REVIEW_STATUS), omitempty: true, proto: 2 }],
};

/** runtime.Unknown's TypeMeta in a protobuf envelope. */
export const PROTO_TYPE_META: StructType = { name: 'TypeMeta', pkg: 'runtime', fields: [str('apiVersion', 1), str('kind', 2)] };
