import { createHash } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import appCss from '../public/app.css';
import appJs from '../public/app.client.js';
import favicon from '../public/favicon.svg';
import indexHtml from '../public/index.html';

/** One file of the page, ready to send: its body, media type and a strong ETag. */
export interface PageAsset {
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
  readonly etag: string;
}

function asset(path: string, contentType: string, text: string): PageAsset {
  const body = Buffer.from(text, 'utf8');
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { path, contentType, body, etag };
}

/** The page: HTML at `/`, its script and stylesheet as files of their own so the CSP needs no inline allowance. */
export const PAGE_ASSETS: readonly PageAsset[] = [
  asset('/', 'text/html; charset=utf-8', indexHtml),
  asset('/app.js', 'text/javascript; charset=utf-8', appJs),
  asset('/app.css', 'text/css; charset=utf-8', appCss),
  asset('/favicon.svg', 'image/svg+xml', favicon),
];

/** `GET /`, `/app.js`, `/app.css`, `/favicon.svg`: the embedded page, revalidated by ETag on every load (`no-cache`). */
export const pageRoutes: FastifyPluginAsync = async (app) => {
  for (const file of PAGE_ASSETS) {
    app.get(file.path, async (request, reply) => {
      reply.header('cache-control', 'no-cache').header('etag', file.etag);
      if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
      return reply.type(file.contentType).send(file.body);
    });
  }
};
