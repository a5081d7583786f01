// The renderer is served from app://studio/ rather than file://: a standard, secure
// scheme gives the page a real origin (so 'self' in the CSP means only our files),
// and nothing outside the renderer folder can be reached through it.
import { net, protocol } from 'electron';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SECURITY_HEADERS } from '../web/security.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'studio';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

export function isAppUrl(url: string): boolean {
  const u = new URL(url);
  return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
}

/** Serves rendererDir under app://studio/, with the renderer's CSP on every response. */
export function serveRenderer(rendererDir: string): void {
  const root = resolve(rendererDir);
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return new Response('not found', { status: 404 });
    let file = resolve(root, '.' + normalize('/' + decodeURIComponent(url.pathname)));
    if (file !== root && !file.startsWith(root + sep)) return new Response('not found', { status: 404 });
    let st = await stat(file).catch(() => null);
    if (!st?.isFile() && !extname(file)) {
      file = join(root, 'index.html');
      st = await stat(file).catch(() => null);
    }
    if (!st?.isFile()) return new Response('not found', { status: 404 });
    const res = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(res.headers);
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) headers.set(k, v);
    return new Response(res.body, { status: res.status, headers });
  });
}
