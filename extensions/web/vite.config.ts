import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

/**
 * The workspace is served by the collections server at `/` (same origin as `/api/v1`), so the build
 * uses absolute asset paths. `npm run dev` proxies the API to a server started with `npm start`.
 */
export default defineConfig({
  base: '/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:3000',
      '/healthz': 'http://127.0.0.1:3000',
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
  },
});
