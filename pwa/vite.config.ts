import { defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'

// The server (floorsync serve/demo) serves dist/ at "/"; `npm run dev` proxies the API to it.
const server = process.env.FLOORSYNC_URL ?? 'http://127.0.0.1:8000'

export default defineConfig({
  build: { target: 'es2022', sourcemap: false, assetsInlineLimit: 0 },
  server: {
    proxy: {
      '/api': server,
      '/ws': { target: server.replace(/^http/, 'ws'), ws: true },
    },
  },
  plugins: [
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      // main.tsx registers the worker itself (virtual:pwa-register) to offer updates in the UI
      injectRegister: false,
      registerType: 'prompt',
      injectManifest: {
        // the camera's WebAssembly decoder (~800 KB) is cached on first use, not at install
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
      },
      manifest: {
        id: '/',
        name: 'Floorsync',
        short_name: 'Floorsync',
        description: 'Warehouse floor and field sales, live and offline',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'any',
        background_color: '#ffffff',
        theme_color: '#0b3d91',
        icons: [
          { src: '/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
    }),
  ],
})
