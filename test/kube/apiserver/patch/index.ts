// PATCH bodies by Content-Type, as kube-apiserver accepts them (server-side apply excepted).
import { ApiError, badRequest, failure } from '../errors';
import type { Json, ResourceDef } from '../types';
import { applyJsonPatch } from './json-patch';
import { isObject, mergePatch } from './merge';
import { strategicMergePatch } from './strategic';

export const PatchType = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;
export type PatchType = (typeof PatchType)[keyof typeof PatchType];

function unsupported(): ApiError {
  const accepted = [PatchType.json, PatchType.merge, PatchType.apply, PatchType.strategic].join(', ');
  return new ApiError(failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted}`));
}

/** Returns the function that applies `body` (already parsed) to an object's JSON. */
export function patcher(def: ResourceDef, contentType: string | undefined, body: Json): (current: Json) => Json {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  switch (type) {
    case PatchType.json:
      return (current) => applyJsonPatch(current, body);
    case PatchType.merge:
      if (!isObject(body)) throw badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
      return (current) => mergePatch(current, body);
    case PatchType.strategic:
      return (current) => strategicMergePatch(current, body, def.schema);
    default:
      throw unsupported();
  }
}
