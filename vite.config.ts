import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
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
