import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import {
  ApiException,
  createConfiguration,
  KubeConfig,
  KubernetesObjectApi,
  ServerConfiguration,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { KubeError } from './kube-error';

/** Where in-cluster credentials live (a pod's mounted ServiceAccount token). */
const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** Options of createKubeClient. */
export interface KubeClientOptions {
  /** A kubeconfig file; default `$KUBECONFIG`, then `~/.kube/config`, then in-cluster credentials. */
  readonly kubeconfig?: string;
  /** A context of the kubeconfig; default its current context. */
  readonly context?: string;
  /** Each request's limit, discovery included; default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Aborts every request in flight (an interrupted verify). */
  readonly signal?: AbortSignal;
  /** The environment read for KUBECONFIG and KUBERNETES_SERVICE_HOST; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** The home directory holding `.kube/config`; default os.homedir(). */
  readonly homeDir?: string;
}

/** An object as the API server returns it, as plain JSON. */
export interface LiveObject extends KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: NonNullable<KubernetesObject['metadata']> & { readonly name: string };
  readonly [field: string]: unknown;
}

/** A client bound to one API server and identity. Every failure is a KubeError. */
export interface KubeClient {
  /** The API server's URL. */
  readonly server: string;
  /** The kubeconfig context in use. */
  readonly context: string;
  /** Every object of `kind` (in `namespace` when given; only those `labelSelector` selects when given). */
  list(apiVersion: string, kind: string, namespace?: string, labelSelector?: string): Promise<LiveObject[]>;
  /** One object, or undefined when it does not exist. */
  get(apiVersion: string, kind: string, name: string, namespace?: string): Promise<LiveObject | undefined>;
  /** Creates `object`; resolves with what the server stored. */
  create(object: KubernetesObject): Promise<LiveObject>;
  /** Deletes one object (with no grace period when `now`); a missing object is no error. */
  delete(apiVersion: string, kind: string, name: string, namespace?: string, now?: boolean): Promise<void>;
}

function loadKubeConfig(options: KubeClientOptions): { config: KubeConfig; source: string } {
  const env = options.env ?? process.env;
  const config = new KubeConfig();
  const load = (file: string, label: string) => {
    if (!existsSync(file)) throw new KubeError('config', `${label} ${file}: no such file`);
    try {
      config.loadFromFile(file);
    } catch (error) {
      throw new KubeError('config', `${label} ${file}: not a kubeconfig: ${firstLine(error)}`);
    }
  };
  let source: string;
  if (options.kubeconfig) {
    load(options.kubeconfig, '--kubeconfig');
    source = options.kubeconfig;
  } else if (env.KUBECONFIG) {
    // As kubectl does: the first file of the list decides; later ones are merged in.
    const files = env.KUBECONFIG.split(delimiter).filter(Boolean);
    load(files[0], 'KUBECONFIG');
    for (const file of files.slice(1)) {
      const more = new KubeConfig();
      if (existsSync(file)) {
        more.loadFromFile(file);
        config.mergeConfig(more);
      }
    }
    source = files[0];
  } else if (existsSync(join(options.homeDir ?? homedir(), '.kube', 'config'))) {
    source = join(options.homeDir ?? homedir(), '.kube', 'config');
    load(source, 'kubeconfig');
  } else if (env.KUBERNETES_SERVICE_HOST && existsSync(IN_CLUSTER_TOKEN)) {
    config.loadFromCluster();
    source = 'in-cluster credentials';
  } else {
    // Never the client's own default (http://localhost:8080 with no credentials): say what is missing.
    throw new KubeError(
      'config',
      'no kubeconfig: pass --kubeconfig FILE, set KUBECONFIG, or create ~/.kube/config',
    );
  }
  if (options.context) {
    if (!config.getContextObject(options.context))
      throw new KubeError(
        'config',
        `--context ${options.context}: no such context in ${source} (it has: ${config.contexts.map((c) => c.name).join(', ') || 'none'})`,
      );
    config.setCurrentContext(options.context);
  }
  if (!config.getCurrentContext() || !config.getCurrentCluster())
    throw new KubeError('config', `${source}: no current context with a cluster (pass --context)`);
  return { config, source };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

interface StatusBody {
  readonly message?: string;
}

function statusMessage(body: unknown): string | undefined {
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as StatusBody).message ?? body.split('\n')[0];
    } catch {
      return body.split('\n')[0] || undefined;
    }
  }
  return (body as StatusBody | undefined)?.message;
}

function retryAfterMs(error: ApiException<unknown>): number {
  const header = Number((error.headers as Record<string, string> | undefined)?.['retry-after']);
  return Number.isFinite(header) && header > 0 ? Math.min(header, 5) * 1000 : 1000;
}

/** Maps what the client throws to one line: what was asked, of which server, and why it failed. */
function toKubeError(error: unknown, what: string, server: string, timeoutMs: number): KubeError {
  if (error instanceof KubeError) return error;
  const err = error as { name?: string; code?: string | number; type?: string; message?: string };
  if (err.name === 'AbortError' || err.type === 'aborted')
    return new KubeError(
      'timeout',
      `the API server ${server} did not answer within ${timeoutMs / 1000} s (${what})`,
    );
  if (error instanceof ApiException) {
    const message = statusMessage(error.body) ?? `HTTP ${error.code}`;
    const discovery = /^Failed to fetch resource metadata for /.test(error.message);
    if (error.code === 401)
      return new KubeError(
        'unauthorized',
        `the API server ${server} refused the credentials (401 Unauthorized)`,
      );
    if (error.code === 403) return new KubeError('forbidden', `forbidden: ${message}`);
    if (error.code === 404 && discovery)
      return new KubeError(
        'missing-crd',
        `missing CRD: the API server ${server} serves no ${what} (is its CRD installed?)`,
      );
    return new KubeError('api', `${what}: ${message} (HTTP ${error.code})`);
  }
  const message = err.message ?? String(error);
  if (/^Unrecognized API version and kind/.test(message))
    return new KubeError(
      'missing-crd',
      `missing CRD: the API server ${server} serves no ${what} (is its CRD installed?)`,
    );
  const code = typeof err.code === 'string' ? err.code : /\b(E[A-Z]{4,})\b/.exec(message)?.[1];
  if (err.name === 'FetchError' || code)
    return new KubeError(
      'unreachable',
      `cannot reach the API server ${server}: ${code ?? firstLine(message)}`,
    );
  return new KubeError('api', `${what}: ${firstLine(message)}`);
}

/**
 * A client for the API server of a kubeconfig (`--kubeconfig`, `$KUBECONFIG`, `~/.kube/config`, or in-cluster
 * credentials, in that order). Without any, it throws a KubeError instead of the client library's silent default
 * (`http://localhost:8080`). Each request is bounded by `timeoutMs`.
 */
export function createKubeClient(options: KubeClientOptions = {}): KubeClient {
  const { config } = loadKubeConfig(options);
  // loadKubeConfig has made sure the current context names a cluster.
  const server = config.getCurrentCluster()?.server ?? '';
  const timeoutMs = options.timeoutMs ?? 10_000;
  // The client's typed models rename fields (`from` becomes `_from`) and hold Dates: every call keeps the
  // server's own JSON instead (the last response body it saw: discovery comes first), and all share discovery.
  const discovery = {};
  const apiFor = (raw: { text?: string }) => {
    const api = new KubernetesObjectApi(
      createConfiguration({
        baseServer: new ServerConfiguration(server, {}),
        authMethods: { default: config },
        promiseMiddleware: [
          {
            pre: async (context) => {
              const limit = AbortSignal.timeout(timeoutMs);
              context.setSignal(options.signal ? AbortSignal.any([limit, options.signal]) : limit);
              return context;
            },
            post: async (response) => {
              const text = await response.body.text();
              raw.text = text;
              response.body = { text: async () => text, binary: async () => Buffer.from(text) };
              return response;
            },
          },
        ],
      }),
    );
    (api as unknown as { apiVersionResourceCache: object }).apiVersionResourceCache = discovery;
    return api;
  };
  const rawJson = <T>(raw: { text?: string }): T => JSON.parse(raw.text ?? 'null') as T;
  const call = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await run();
      } catch (error) {
        // 429 (too many requests, or a CRD's storage still initializing): wait as the server asks, within the limit.
        const retryMs = error instanceof ApiException && error.code === 429 ? retryAfterMs(error) : undefined;
        if (retryMs === undefined || Date.now() + retryMs > deadline || options.signal?.aborted)
          throw toKubeError(error, what, server, timeoutMs);
        await new Promise((resolve) => setTimeout(resolve, retryMs));
      }
    }
  };
  const resourceOf = (apiVersion: string, kind: string) => `${kind} (${apiVersion})`;
  return {
    server,
    context: config.getCurrentContext(),
    list: (apiVersion, kind, namespace, labelSelector) =>
      call(resourceOf(apiVersion, kind), async () => {
        const raw: { text?: string } = {};
        await apiFor(raw).list(
          apiVersion,
          kind,
          namespace,
          undefined,
          undefined,
          undefined,
          undefined,
          labelSelector,
        );
        return rawJson<{ items: LiveObject[] }>(raw).items.map((item) => ({ ...item, apiVersion, kind }));
      }),
    get: (apiVersion, kind, name, namespace) =>
      call(resourceOf(apiVersion, kind), async () => {
        try {
          const raw: { text?: string } = {};
          await apiFor(raw).read({ apiVersion, kind, metadata: { name, namespace } });
          return rawJson<LiveObject>(raw);
        } catch (error) {
          if (
            error instanceof ApiException &&
            error.code === 404 &&
            !/^Failed to fetch resource metadata/.test(error.message)
          )
            return undefined;
          throw error;
        }
      }),
    create: (object) =>
      call(resourceOf(object.apiVersion ?? '', object.kind ?? ''), async () => {
        const raw: { text?: string } = {};
        await apiFor(raw).create(object);
        return rawJson<LiveObject>(raw);
      }),
    delete: (apiVersion, kind, name, namespace, now) =>
      call(resourceOf(apiVersion, kind), async () => {
        try {
          await apiFor({}).delete(
            { apiVersion, kind, metadata: { name, namespace } },
            undefined,
            undefined,
            now ? 0 : undefined,
          );
        } catch (error) {
          if (
            error instanceof ApiException &&
            error.code === 404 &&
            !/^Failed to fetch resource metadata/.test(error.message)
          )
            return;
          throw error;
        }
      }),
  };
}
