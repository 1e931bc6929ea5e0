import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The build goes where the gateway serves it (gateway/flowmesh/gateway/_ui.py).
// `npm run dev` proxies the API to a server started by `make run`.
export default defineConfig({
  plugins: [react()],
  build: { outDir: "../gateway/flowmesh/gateway/ui_dist", emptyOutDir: true },
  server: { proxy: { "/api": "http://127.0.0.1:8080" } },
});
