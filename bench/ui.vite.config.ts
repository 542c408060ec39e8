// Builds the app together with the bench-only harness page into node_modules/.cache (never deployed).
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: resolve(import.meta.dirname, '..'),
  plugins: [react()],
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    outDir: 'node_modules/.cache/nflab-bench-ui',
    emptyOutDir: true,
    rollupOptions: {
      input: {
        main: resolve(import.meta.dirname, '../index.html'),
        harness: resolve(import.meta.dirname, 'ui-harness.html'),
      },
    },
  },
});
