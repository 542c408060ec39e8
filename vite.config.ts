import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * The built app's Content-Security-Policy: scripts and the engine worker only from our own
 * origin (Vite's build emits no inline script), no plugins, no remote anything. A share link is
 * a stranger's input; if it ever got past the parsers into the page, nothing it carried could
 * run. Styles set from script (React's `style`, d3's `.style()`) go through the CSSOM, which
 * style-src does not govern, so no 'unsafe-inline' is needed either. The dev server is left
 * without it: React's fast refresh injects an inline preamble.
 */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
].join('; ');

function contentSecurityPolicy(): Plugin {
  return {
    name: 'nflab-csp',
    apply: 'build',
    // First in <head>, before any script or style the build adds.
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP },
        injectTo: 'head-prepend',
      },
    ],
  };
}

export default defineConfig({
  plugins: [react(), contentSecurityPolicy()],
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
  // `vite preview` (the e2e server) sends the same policy as a header too.
  preview: { headers: { 'Content-Security-Policy': CSP } },
  test: {
    include: [
      'src/**/*.test.ts',
      'src/**/*.test.tsx',
      'parity/**/*.test.ts',
      'bench/**/*.test.ts',
      'fuzz/**/*.test.ts',
    ],
    environment: 'node',
    testTimeout: 30000,
  },
});
