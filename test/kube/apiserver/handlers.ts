// One handler per verb on a resource: get, list, watch, create, update (PUT), patch, delete.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FieldValidation } from './decode';
import { deleteObject, type DeleteContext, type DeleteOptions, type Propagation } from './deletion';
import { badRequest } from './errors';
import type { Lister } from './list';
import { patcher } from './patch';
import type { Registry, UpdateOptions } from './registry';
import { parseJson, readBody, sendJson } from './respond';
import type { ResourceRequest } from './router';
import type { Json } from './types';
import type { WatchSettings, WatchStream } from './watch';

export interface HandlerContext extends DeleteContext {
  registry: Registry;
  lister: Lister;
  watchSettings: WatchSettings;
  openWatch(r: ResourceRequest, res: ServerResponse): WatchStream;
}

function writeOptions(r: ResourceRequest): UpdateOptions {
  const validation = r.query.get('fieldValidation') ?? FieldValidation.warn;
  if (!Object.values(FieldValidation).includes(validation as FieldValidation)) {
    throw badRequest(`fieldValidation: Unsupported value: "${validation}": supported values: "Ignore", "Strict", "Warn"`);
  }
  return { dryRun: r.query.get('dryRun') === 'All', fieldValidation: validation as FieldValidation, subresource: r.subresource };
}

async function requireBody(req: IncomingMessage): Promise<Json> {
  const body = parseJson(await readBody(req));
  if (body === undefined) throw badRequest('the body of the request was empty');
  return body;
}

async function deleteOptions(r: ResourceRequest, req: IncomingMessage): Promise<DeleteOptions> {
  const body = (parseJson(await readBody(req)) ?? {}) as { propagationPolicy?: string; preconditions?: DeleteOptions['preconditions']; dryRun?: string[] };
  const policy = r.query.get('propagationPolicy') ?? body.propagationPolicy;
  return {
    propagationPolicy: (policy ?? undefined) as Propagation | undefined,
    preconditions: body.preconditions,
    dryRun: r.query.get('dryRun') === 'All' || (body.dryRun ?? []).includes('All'),
  };
}

export async function handleResource(ctx: HandlerContext, r: ResourceRequest, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { registry } = ctx;
  switch (r.verb) {
    case 'get':
      return sendJson(res, 200, registry.get(r.def, r.namespace, r.name!));
    case 'list': {
      const text = ctx.lister.list(r);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) });
      res.end(text);
      return;
    }
    case 'watch':
      ctx.openWatch(r, res).start(ctx.watchSettings);
      return;
    case 'create': {
      const { object, warnings } = registry.create(r.def, r.namespace, await requireBody(req), writeOptions(r));
      return sendJson(res, 201, object, warnings);
    }
    case 'update': {
      const { object, warnings, created } = registry.update(r.def, r.namespace, r.name!, await requireBody(req), writeOptions(r));
      return sendJson(res, created ? 201 : 200, object, warnings);
    }
    case 'patch': {
      const apply = patcher(r.def, req.headers['content-type'], await requireBody(req));
      const { object, warnings } = registry.patch(r.def, r.namespace, r.name!, apply, writeOptions(r));
      return sendJson(res, 200, object, warnings);
    }
    case 'delete': {
      const { code, body } = deleteObject(ctx, r.def, r.namespace, r.name!, await deleteOptions(r, req));
      return sendJson(res, code, body);
    }
  }
}
