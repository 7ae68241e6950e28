/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The server embeds dist/ and serves it at `/` (SPA fallback to index.html) under a strict CSP:
// script-src 'self' — so the build must contain no inline script (Vite's has none by default).
export default defineConfig({
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    sourcemap: false,
    // ECharts lives in its own lazily loaded chunk (only the overview chart needs it).
    chunkSizeWarningLimit: 700,
  },
  server: {
    port: 5173,
    proxy: {
      // `sightline serve` (or `make run`) on its default address.
      '/api': { target: process.env.SIGHTLINE_URL || 'http://127.0.0.1:8420', changeOrigin: false },
    },
  },
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    environment: 'node',
  },
});
