import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

const appliance = process.env.BRANCHLINE_DEV_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [sveltekit()],
  // The root node_modules hoists cookie 2 (for Fastify); SvelteKit's build-time server needs its own cookie 0.6.
  ssr: { noExternal: ['cookie'] },
  server: { proxy: { '/api': appliance, '/healthz': appliance } },
});
