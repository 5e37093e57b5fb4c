// A watch response read as JSON lines. The stream ends when the server ends it (its timeout),
// when the caller aborts, or when nothing (not even a bookmark) arrived for `idleTimeoutMs`:
// a connection that died without a FIN/RST would otherwise hang the watch forever.
import { KubeApiError, KubeTransportError } from './errors';
import { apiErrorFrom, readText, type KubeHttp, type KubeRequest } from './http';

export interface WatchStreamOptions {
  /** The caller's stop signal: aborting it ends the stream quietly. */
  signal: AbortSignal;
  idleTimeoutMs: number;
}

/** Calls `onEvent` with each parsed line; throws what `onEvent` throws, or the transport's failure. */
export async function streamWatch(http: KubeHttp, req: KubeRequest, onEvent: (event: unknown) => void, opts: WatchStreamOptions): Promise<void> {
  const local = new AbortController();
  let idle = false;
  let timer: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => ((idle = true), local.abort()), opts.idleTimeoutMs);
  };
  const handler = { failed: false, error: undefined as unknown };
  const onLine = (line: string) => {
    const event: unknown = JSON.parse(line);
    try {
      onEvent(event);
    } catch (err) {
      Object.assign(handler, { failed: true, error: err });
      throw err;
    }
  };
  touch();
  try {
    const res = await http.open(req, AbortSignal.any([opts.signal, local.signal]));
    if ((res.statusCode ?? 0) >= 400) throw apiErrorFrom(req, res.statusCode ?? 0, await readText(res));
    res.setEncoding('utf8');
    await readLines(res, onLine, touch);
  } catch (err) {
    if (handler.failed) throw handler.error;
    if (opts.signal.aborted) return;
    if (err instanceof KubeApiError || (err instanceof KubeTransportError && !idle)) throw err;
    throw new KubeTransportError({ verb: 'WATCH', path: req.path, cause: err, timedOut: idle });
  } finally {
    clearTimeout(timer);
    local.abort();
  }
}

/** `body` yields strings (a stream with its encoding set: characters split across chunks are joined). */
async function readLines(body: AsyncIterable<string>, onLine: (line: string) => void, onData: () => void): Promise<void> {
  let pending = '';
  for await (const chunk of body) {
    onData();
    pending += chunk;
    let start = 0;
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n', start)) {
      const line = pending.slice(start, nl);
      start = nl + 1;
      if (line.trim()) onLine(line);
    }
    pending = pending.slice(start);
  }
  if (pending.trim()) onLine(pending);
}
