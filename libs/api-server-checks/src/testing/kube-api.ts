import {
  ApiException,
  createConfiguration,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  ServerConfiguration,
} from '@kubernetes/client-node';
import { createKubeClient, type KubeClient, type LiveObject } from '@ztmesh/kube';
import type { RenderedObject } from '@ztmesh/manifests';

/** What one server-side apply returned: the object as the server has it (or would, dry run) and its warnings. */
export interface Applied {
  readonly object: LiveObject;
  readonly warnings: readonly string[];
}

/** Options of KubeApi.apply. */
export interface ApplyOptions {
  /** The field manager, as kubectl's `--field-manager`. */
  readonly fieldManager: string;
  /** Server-side dry run (`--dry-run=server`): validated and admitted, never stored. Default false. */
  readonly dryRun?: boolean;
}

/** The API of the control plane in-process, for the steps where kubectl itself is not the subject. */
export interface KubeApi extends KubeClient {
  /**
   * Server-side apply of one object with strict field validation (as `kubectl apply --server-side
   * --validate=strict`); rejects with the server's own message (e.g. a CEL rule's) and HTTP status.
   */
  apply(object: RenderedObject | Record<string, unknown>, options: ApplyOptions): Promise<Applied>;
}

/** Each request's limit: generous, since the suites share two busy cores. */
const TIMEOUT_MS = 30_000;

/**
 * A client for the control plane of `kubeconfig`: libs/kube's client (get, list, create, delete, raw JSON) plus
 * server-side apply through @kubernetes/client-node. The object is sent exactly as given (the library's typed
 * serializer would drop the unknown fields a strict check must see), and the server's JSON comes back untyped.
 */
export function createKubeApi(kubeconfig: string): KubeApi {
  const client = createKubeClient({ kubeconfig, timeoutMs: TIMEOUT_MS });
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  const discovery = {}; // one REST mapping cache for every apply
  const apply = async (object: RenderedObject | Record<string, unknown>, options: ApplyOptions) => {
    const seen: { text?: string; warnings: string[] } = { warnings: [] };
    const api = new KubernetesObjectApi(
      createConfiguration({
        baseServer: new ServerConfiguration(client.server, {}),
        authMethods: { default: config },
        promiseMiddleware: [
          {
            pre: async (context) => {
              context.setSignal(AbortSignal.timeout(TIMEOUT_MS));
              if (context.getHttpMethod() === 'PATCH') {
                context.setQueryParam('fieldValidation', 'Strict');
                context.setBody(JSON.stringify(object));
              }
              return context;
            },
            post: async (response) => {
              const text = await response.body.text();
              seen.text = text;
              const warning = response.headers.warning;
              if (warning) seen.warnings.push(...splitWarnings(warning));
              response.body = { text: async () => text, binary: async () => Buffer.from(text) };
              return response;
            },
          },
        ],
      }),
    );
    (api as unknown as { apiVersionResourceCache: object }).apiVersionResourceCache = discovery;
    const header = object as RenderedObject;
    try {
      await api.patch(
        header,
        undefined,
        options.dryRun ? 'All' : undefined,
        options.fieldManager,
        false,
        PatchStrategy.ServerSideApply,
      );
    } catch (error) {
      if (!(error instanceof ApiException)) throw error;
      const body = typeof error.body === 'string' ? error.body : JSON.stringify(error.body);
      let message = body;
      try {
        message = (JSON.parse(body) as { message?: string }).message ?? body;
      } catch {
        // not a Status: the body as it came
      }
      throw new Error(
        `apply ${header.kind} ${header.metadata?.namespace ?? ''}/${header.metadata?.name}: ${message} (HTTP ${error.code})`,
      );
    }
    return { object: JSON.parse(seen.text ?? 'null') as LiveObject, warnings: seen.warnings };
  };
  return { ...client, apply };
}

/** The texts of a `Warning` header (RFC 7234: `299 - "text"`, several joined by commas). */
function splitWarnings(header: string): string[] {
  return [...header.matchAll(/\d{3} [^ ]+ "((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].replace(/\\(.)/g, '$1'));
}
