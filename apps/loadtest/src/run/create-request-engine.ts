import type { Client as UndiciClient, Dispatcher } from 'undici';
import Client from 'undici/lib/dispatcher/client.js';
import type { Recorder } from '../record/create-recorder';
import { CLASS, classOfError, classOfStatus, isEnvoyLocalDenial, outcomeOf } from '../record/response-class';
import type { Scenario } from '../scenarios/scenario';
import { TraceIdSource } from './trace-ids';

/** Called once per finished request (service mode feeds Prometheus from it). */
export type ResultObserver = (scenario: number, klass: number, outcome: number, latencyMs: number) => void;

/** Options for createRequestEngine. */
export interface RequestEngineOptions {
  readonly scenarios: readonly Scenario[];
  readonly recorder: Recorder;
  /** Keep-alive connections per origin. */
  readonly connections: number;
  /** A request not finished this long after it was handed over to be sent is counted as a timeout. */
  readonly timeoutMs: number;
  /** Picks the scenario of the next request. */
  readonly pick: () => number;
  /** Whether to record each request's schedule lag (always 0 in the closed model, so it can skip the cost). */
  readonly recordLag?: boolean;
  readonly observer?: ResultObserver;
}

/** Runs when a request's slot is released, with performance.now() at that moment. */
export type ReleaseCallback = (now: number) => void;

/** Sends requests and records how each one ended. */
export interface RequestEngine {
  /** Requests handed over and not yet released. */
  readonly inFlight: number;
  /**
   * Sends one request due at `scheduledAt` (performance.now() ms); `done` runs when its slot is released, with the
   * clock reading taken then (so a closed-loop worker sends its next request without reading the clock again).
   */
  send(scheduledAt: number, now: number, done?: ReleaseCallback): void;
  /**
   * Resolves once every request sent has ended: answered, failed or timed out. (A timed-out request may still
   * hold its connection, for example one stuck connecting, until undici lets go of it: that does not hold up
   * the run.)
   */
  drain(): Promise<void>;
  /** Stops timing requests out and closes every connection; requests still in flight are not recorded. */
  close(): Promise<void>;
}

class TimeoutError extends Error {
  readonly code = 'LOADTEST_TIMEOUT';
}

// How often expired requests are looked for; a timeout fires at most this late.
const TIMEOUT_SWEEP_MS = 5;
// Bytes of a 5xx body kept for an unauthorized scenario, enough to recognise an Envoy local reply.
const BODY_SNIFF_BYTES = 256;
// Recycled request objects kept at most (more than any connection count; the rest go to the garbage collector).
const SPARE_EXCHANGES = 4096;

/**
 * The keep-alive connections to one origin: up to `max` undici Clients, each with at most one request on it.
 * Selection is a stack of idle clients and a FIFO of waiting requests: O(1) per request, no events, where
 * undici's Pool scans its clients and emits a drain event per request (see docs/adr/0011-http-engine.md).
 */
class Origin {
  readonly clients: UndiciClient[] = [];
  readonly idle: UndiciClient[] = [];
  waiting: Exchange[] = [];
  waitingHead = 0;

  constructor(
    readonly origin: string,
    readonly max: number,
    readonly timeoutMs: number,
  ) {}

  submit(exchange: Exchange): void {
    const client = this.idle.pop() ?? this.grow();
    if (client) exchange.dispatchOn(client);
    else this.waiting.push(exchange);
  }

  /** Called when `client` has finished its request: it takes the next waiting one or goes idle. */
  free(client: UndiciClient): void {
    while (this.waitingHead < this.waiting.length) {
      const next = this.waiting[this.waitingHead] as Exchange;
      this.waiting[this.waitingHead++] = undefined as unknown as Exchange;
      if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
        this.waiting = this.waiting.slice(this.waitingHead);
        this.waitingHead = 0;
      }
      // A request that timed out while waiting was already settled and released.
      if (!next.finished) return next.dispatchOn(client);
    }
    this.idle.push(client);
  }

  private grow(): UndiciClient | undefined {
    if (this.clients.length >= this.max) return undefined;
    const client = new Client(this.origin, {
      pipelining: 1,
      connect: { timeout: this.timeoutMs },
      // Timeouts are ours (the FIFO sweep); undici's own would arm a timer per request.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    // A refused or failing connection is reported per request; the client must not crash the process.
    client.on('connectionError', () => undefined);
    this.clients.push(client);
    return client;
  }
}

/**
 * One request. It is its own undici dispatch handler (the callback interface undici's core calls directly), so
 * a request costs this one small object and no stream, promise or timer; and the object is recycled through a
 * free list once undici has let go of it (see docs/adr/0014-per-request-cost.md).
 */
class Exchange {
  origin: Origin | null = null;
  scenario = 0;
  // Which use of this (recycled) object a timeout-FIFO entry refers to: entries of an earlier use are stale.
  use = 0;
  requestId = '';
  traceparent = '';
  scheduledAt = 0;
  dispatchedAt = 0;
  done: ReleaseCallback | undefined = undefined;
  abortRequest: ((error?: Error) => void) | null = null;
  client: UndiciClient | null = null;
  sentAt = 0;
  status = 0;
  finished = false;
  released = false;
  // Between client.dispatch and undici's last callback (onComplete or onError): not reusable meanwhile.
  inUndici = false;
  sniffed = '';

  constructor(readonly engine: EngineState) {}

  dispatchOn(client: UndiciClient): void {
    this.client = client;
    this.inUndici = true;
    // undici copies what it needs from the options while dispatching, so each scenario keeps one options
    // object and one headers array, and only this request's ids are written into them.
    const template = this.engine.templates[this.scenario] as RequestTemplate;
    const headers = template.headers;
    headers[template.requestIdSlot] = this.requestId;
    headers[template.traceparentSlot] = this.traceparent;
    try {
      client.dispatch(template.options, this as unknown as Dispatcher.DispatchHandler);
    } catch (error) {
      this.onError(error as Error);
    }
  }

  onConnect(abort: (error?: Error) => void): void {
    if (this.finished) return abort(new TimeoutError('timed out before it was sent'));
    this.abortRequest = abort;
    this.sentAt = performance.now();
  }

  onHeaders(status: number): boolean {
    this.status = status;
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.status >= 500 && this.sniffed.length < BODY_SNIFF_BYTES && this.engine.sniff[this.scenario]) {
      this.sniffed += chunk.toString('latin1', 0, BODY_SNIFF_BYTES - this.sniffed.length);
    }
    return true;
  }

  onComplete(): void {
    this.inUndici = false;
    this.engine.finish(this, null);
  }

  onError(error: Error): void {
    this.inUndici = false;
    this.engine.finish(this, error);
  }

  onUpgrade(): void {
    // Never asked for.
  }
}

/** A scenario's reusable dispatch options; two header values are overwritten per request. */
interface RequestTemplate {
  readonly options: Dispatcher.DispatchOptions;
  readonly headers: string[];
  readonly requestIdSlot: number;
  readonly traceparentSlot: number;
}

interface EngineState {
  readonly sniff: readonly boolean[];
  readonly templates: readonly RequestTemplate[];
  finish(exchange: Exchange, error: Error | null): void;
}

/**
 * The HTTP side of a run on undici: `connections` keep-alive Clients per origin, a fresh `x-request-id` and
 * `traceparent` per request, and timeouts without a timer per request: requests are handed over in time order
 * and share one timeout, so they also expire in that order, and a FIFO swept every few ms finds every expired
 * request by looking only at its head.
 */
export function createRequestEngine(options: RequestEngineOptions): RequestEngine {
  const { recorder, scenarios, timeoutMs, observer, pick } = options;
  const recordLag = options.recordLag ?? true;
  const origins = new Map<string, Origin>();
  const scenarioOrigins = scenarios.map((scenario) => {
    let origin = origins.get(scenario.origin);
    if (!origin) {
      origin = new Origin(scenario.origin, options.connections, timeoutMs);
      origins.set(scenario.origin, origin);
    }
    return origin;
  });
  const templates: RequestTemplate[] = scenarios.map((scenario) => {
    // Static headers first, then the two per-request slots.
    const headers = [...Object.entries(scenario.headers).flat(), 'x-request-id', '', 'traceparent', ''];
    const method = scenario.method as Dispatcher.HttpMethod;
    // `blocking: false`: otherwise undici marks the socket blocked until the answer's headers, then runs its
    // whole resume loop once more per request to unblock it: pointless here, where a Client never has a second
    // request queued (our own selection hands a request only to an idle Client). `reset: false`: keep-alive.
    const options: Dispatcher.DispatchOptions = {
      path: scenario.path,
      method,
      headers,
      reset: false,
      blocking: false,
    };
    if (scenario.body !== undefined) options.body = scenario.body;
    return { headers, options, requestIdSlot: headers.length - 3, traceparentSlot: headers.length - 1 };
  });
  const ids = new TraceIdSource();
  // Exchanges undici has let go of, ready for the next request.
  const spare: Exchange[] = [];
  let uses = 0;
  const sniff = scenarios.map((scenario) => scenario.unauthorized);

  let inFlight = 0;
  // Requests sent and not yet ended (settled): what a run waits for at its end.
  let unsettled = 0;
  let closed = false;
  let drained: (() => void) | null = null;
  // Exchanges in hand-over order, each with the use it was queued for; `head` is the oldest entry not yet known
  // to be finished. An entry whose exchange has since been recycled (another use) is stale and skipped.
  let queue: Exchange[] = [];
  let queueUses: number[] = [];
  let head = 0;

  const state: EngineState = {
    sniff,
    templates,
    finish(exchange, error) {
      const now = performance.now();
      if (!exchange.finished) {
        exchange.finished = true;
        if (!closed) settle(exchange, error, now);
      }
      if (!exchange.released) release(exchange, now);
      // Only here, after undici's last callback, is the object free of every reference that could call it.
      if (!exchange.inUndici && spare.length < SPARE_EXCHANGES) {
        exchange.origin = null;
        exchange.done = undefined;
        exchange.client = null;
        exchange.abortRequest = null;
        spare.push(exchange);
      }
    },
  };

  function settle(exchange: Exchange, error: Error | null, now: number): void {
    unsettled--;
    const scenario = scenarios[exchange.scenario] as Scenario;
    let klass: number;
    if (error) {
      klass = classOfError(error);
      if (klass === CLASS.error) recorder.sampleError(`${scenario.name}: ${describe(error)}`);
    } else {
      klass = classOfStatus(exchange.status);
    }
    const status = error ? 0 : exchange.status;
    const outcome = outcomeOf(
      scenario.unauthorized,
      klass,
      status,
      scenario.blockedStatuses,
      scenario.unauthorized && status >= 502 && isEnvoyLocalDenial(status, exchange.sniffed),
    );
    const latencyMs = now - exchange.scheduledAt;
    const serviceMs = now - (exchange.sentAt || exchange.dispatchedAt);
    recorder.record(exchange.scenario, klass, outcome, status, latencyMs, serviceMs);
    if (observer) observer(exchange.scenario, klass, outcome, latencyMs);
  }

  function release(exchange: Exchange, now: number): void {
    exchange.released = true;
    inFlight--;
    if (exchange.client && !closed) (exchange.origin as Origin).free(exchange.client);
    if (exchange.done) exchange.done(now);
    checkDrained();
  }

  function checkDrained(): void {
    if (unsettled === 0 && drained) {
      const resolve = drained;
      drained = null;
      resolve();
    }
  }

  function sweep(): void {
    const now = performance.now();
    while (head < queue.length) {
      const exchange = queue[head] as Exchange;
      if (exchange.use === queueUses[head] && !exchange.finished) {
        if (now - exchange.dispatchedAt < timeoutMs) break;
        exchange.finished = true;
        settle(exchange, new TimeoutError('timed out'), now);
        checkDrained();
        if (exchange.client) {
          // Aborting makes undici call onError, which releases the connection; a request undici has not yet
          // written is aborted the moment it would be (see onConnect).
          exchange.abortRequest?.(new TimeoutError('timed out'));
        } else {
          release(exchange, now); // still waiting for a connection: nothing to abort (and not recycled: its
          // origin's FIFO still holds it)
        }
      }
      queue[head++] = undefined as unknown as Exchange;
    }
    if (head > 4096 && head * 2 > queue.length) {
      queue = queue.slice(head);
      queueUses = queueUses.slice(head);
      head = 0;
    }
  }
  const sweeper = setInterval(sweep, TIMEOUT_SWEEP_MS);

  return {
    get inFlight() {
      return inFlight;
    },
    send(scheduledAt, now, done) {
      const index = pick();
      const exchange = spare.pop() ?? new Exchange(state);
      ids.advance();
      exchange.requestId = ids.requestId;
      exchange.traceparent = ids.traceparent;
      const origin = scenarioOrigins[index] as Origin;
      exchange.origin = origin;
      exchange.scenario = index;
      exchange.use = ++uses;
      exchange.scheduledAt = scheduledAt;
      exchange.dispatchedAt = now;
      exchange.done = done;
      exchange.sentAt = 0;
      exchange.status = 0;
      exchange.finished = false;
      exchange.released = false;
      exchange.sniffed = '';
      inFlight++;
      unsettled++;
      queue.push(exchange);
      queueUses.push(uses);
      if (recordLag) recorder.recordLag(now - scheduledAt);
      origin.submit(exchange);
    },
    drain() {
      return unsettled === 0 ? Promise.resolve() : new Promise((resolve) => (drained = resolve));
    },
    async close() {
      closed = true;
      clearInterval(sweeper);
      const clients = [...origins.values()].flatMap((origin) => origin.clients);
      await Promise.all(clients.map((client) => client.destroy().catch(() => undefined)));
      if (drained) {
        const resolve = drained;
        drained = null;
        resolve();
      }
    },
  };
}

function describe(error: Error): string {
  const code = (error as { code?: string }).code;
  const cause = (error as { cause?: Error }).cause;
  const text = `${code ? `${code} ` : ''}${error.message}`;
  return cause?.message && !text.includes(cause.message) ? `${text} (${cause.message})` : text;
}
