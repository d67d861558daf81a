import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import Fastify from 'fastify';
import fp from 'fastify-plugin';

/**
 * The Content-Security-Policy of every response: the page, its script and stylesheet and the API it calls all
 * come from this origin, so nothing else is allowed, and nothing may frame the page. No `unsafe-inline`: the
 * page has no inline script or style (app.js and app.css are routes of their own).
 */
export const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/** The @fastify/helmet options of the frontend: helmet's defaults, tightened. */
export const HELMET_OPTIONS: FastifyHelmetOptions = {
  contentSecurityPolicy: {
    // Helmet's defaults add `upgrade-insecure-requests`, which would break the plain-HTTP local stack.
    useDefaults: false,
    directives: Object.fromEntries(
      Object.entries(CSP_DIRECTIVES).map(([name, values]) => [name, [...values]]),
    ),
  },
  referrerPolicy: { policy: 'no-referrer' },
  // The legacy twin of `frame-ancestors 'none'`, for browsers that predate CSP level 2.
  frameguard: { action: 'deny' },
  // TLS terminates at the ingress gateway; HSTS belongs there, and over plain HTTP browsers ignore it.
  strictTransportSecurity: false,
};

/**
 * The headers @fastify/helmet sets with `options`, captured once from a throwaway instance: the plugin rebuilds
 * the whole helmet middleware on every request (about 30 µs of CPU each, a quarter of a proxied request), while
 * the headers it produces never change (no CSP nonces here). See docs/adr/0005-page-and-security-headers.md.
 */
export async function captureHelmetHeaders(options: FastifyHelmetOptions): Promise<Record<string, string>> {
  const probe = async (withHelmet: boolean) => {
    const app = Fastify({ logger: false });
    if (withHelmet) await app.register(helmet, { ...options, global: true });
    app.get('/', async () => 'probe');
    const response = await app.inject('/');
    await app.close();
    return response.headers;
  };
  const [bare, helmeted] = await Promise.all([probe(false), probe(true)]);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(helmeted)) {
    if (bare[name] === undefined && typeof value === 'string') headers[name] = value;
  }
  return headers;
}

/** Helmet's security headers on every response (page, assets, proxied API, errors), computed once at start. */
export const securityHeaders = fp(
  async (app) => {
    const headers = await captureHelmetHeaders(HELMET_OPTIONS);
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(headers);
      done();
    });
  },
  // Not encapsulated: the headers must reach the routes registered beside this plugin.
  { name: 'security-headers' },
);
