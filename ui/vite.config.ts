import { defineConfig } from "vite";

// Tauri serves ui/dist from its own protocol; the dev server is for `tauri dev` only.
export default defineConfig({
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { target: "es2022", outDir: "dist", emptyOutDir: true },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
