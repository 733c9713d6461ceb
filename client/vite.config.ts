import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

/** Where `npm run dev` forwards the API and the websockets (the Parley server). */
const target = process.env['PARLEY_DEV_TARGET'] ?? 'http://localhost:3000';

export default defineConfig({
  plugins: [svelte()],
  server: {
    port: 5173,
    strictPort: true,
    // The Host header is kept (no changeOrigin): the server then sees the page's own origin,
    // so its same-origin check on state-changing requests and websockets passes, and the
    // invite links it builds point at the dev server.
    proxy: {
      '/yjs': { target, ws: true },
      '/api': { target },
      '/auth': { target },
      '/healthz': { target },
      '/socket.io': { target, ws: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
  },
});
