import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';
import { compression } from 'vite-plugin-compression2';

/** Where `npm run dev` forwards the API and the websockets (the Parley server). */
const target = process.env['PARLEY_DEV_TARGET'] ?? 'http://localhost:3000';

/** Server routes: never answered with the app shell by the service worker. */
const SERVER_ROUTES = [
  /^\/api(\/|$)/,
  /^\/auth(\/|$)/,
  /^\/yjs(\/|$)/,
  /^\/socket\.io(\/|$)/,
  /^\/healthz$/,
  /^\/metrics$/,
];

export default defineConfig({
  plugins: [
    svelte(),
    // The service worker precaches the app shell (index.html and the hashed assets), so a
    // board opened once opens with no network at all; its data comes from IndexedDB.
    // Nothing else is cached: API answers and websockets always go to the network.
    VitePWA({
      registerType: 'autoUpdate',
      // Registered from src/main.ts (no inline script: the server's CSP is script-src 'self').
      injectRegister: false,
      manifest: {
        name: 'Parley',
        short_name: 'Parley',
        description: 'Parley — a live stakeholder feedback board',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#f5f6f8',
        theme_color: '#1f3b63',
        icons: [{ src: '/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg}'],
        navigateFallback: '/index.html',
        navigateFallbackDenylist: SERVER_ROUTES,
        runtimeCaching: [],
        cleanupOutdatedCaches: true,
        clientsClaim: true,
        skipWaiting: true,
        sourcemap: false,
      },
      devOptions: { enabled: false },
    }),
    // Brotli and gzip copies of every text asset beside it, for the server to send as they
    // are (a 340 kB script is about 100 kB in brotli). Source maps stay uncompressed.
    compression({
      algorithms: ['brotliCompress', 'gzip'],
      include: /\.(js|css|html|svg|webmanifest)$/,
      threshold: 1024,
    }),
  ],
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
