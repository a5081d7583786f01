import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

// Paths from this file's URL (this config runs in Node, but the renderer folder's
// lint rule forbids node:* imports, and plain URL math needs none).
const here = decodeURIComponent(new URL('.', import.meta.url).pathname);
const repoRoot = decodeURIComponent(new URL('..', import.meta.url).pathname);

/**
 * The dev server injects inline scripts and styles (React Refresh, HMR), which the
 * production CSP rightly forbids; drop the CSP meta tag only while serving in dev.
 * Built output (dist/renderer) always carries it.
 */
function devOnlyCspRelax(): Plugin {
  return {
    name: 'commer-dev-csp',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace(/<meta\s+http-equiv="Content-Security-Policy"[^>]*>/s, ''),
  };
}

export default defineConfig({
  root: here,
  // Relative asset URLs so the same build loads from file:// in Electron and from the web host.
  base: './',
  plugins: [react(), devOnlyCspRelax()],
  build: {
    outDir: `${repoRoot}dist/renderer`,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // Inline nothing as data: URLs; the CSP allows scripts and styles only from 'self'.
    assetsInlineLimit: 0,
  },
  server: { host: '127.0.0.1', fs: { allow: [repoRoot] } },
});
