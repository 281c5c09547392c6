/// <reference types="vitest/config" />
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";

/** Emits sw.js with the list of every file of the build to precache, versioned by their
 * names (hashed), so a new build replaces the old cache. */
function serviceWorker(): Plugin {
  return {
    name: "tessera-service-worker",
    apply: "build",
    generateBundle(_options, bundle) {
      const files = ["/", "/index.html", ...Object.keys(bundle).filter((f) => !f.endsWith(".map")).map((f) => `/${f}`)];
      const unique = [...new Set(files)].filter((f) => f !== "/sw.js").sort();
      const version = createHash("sha256").update(unique.join("\n")).digest("hex").slice(0, 16);
      const source = readFileSync(new URL("./sw.js", import.meta.url), "utf8")
        .replace("__VERSION__", version)
        .replace("__PRECACHE__", JSON.stringify(unique));
      this.emitFile({ type: "asset", fileName: "sw.js", source });
    },
  };
}

// The app is served by `tessera serve` itself (host/src/api/web.rs embeds dist/): hashed file
// names under /app/ are cached for good, index.html never. `npm run dev` proxies the API to
// a running server so the page and the API share one origin, as in production.
const api = process.env.TESSERA_URL ?? "http://127.0.0.1:8080";

/** Writes a Brotli (`.br`) and a gzip (`.gz`) copy of every script, style sheet and SVG
 * over 1 KiB under dist/app, compressed once at build time at the highest levels; the host
 * serves them to browsers that accept them (host/src/api/web.rs). */
function precompress(): Plugin {
  return {
    name: "tessera-precompress",
    apply: "build",
    writeBundle(options) {
      const dir = join(options.dir ?? "dist", "app");
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (!/\.(js|css|svg)$/.test(name) || statSync(path).size < 1024) continue;
        const bytes = readFileSync(path);
        writeFileSync(`${path}.br`, brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
        writeFileSync(`${path}.gz`, gzipSync(bytes, { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  plugins: [react(), serviceWorker(), precompress()],
  build: {
    outDir: "dist",
    assetsDir: "app",
    // The server's Content-Security-Policy forbids inline scripts and styles' data: URLs are
    // allowed only for images, so nothing is inlined.
    assetsInlineLimit: 0,
    sourcemap: false,
    target: "es2022",
  },
  server: {
    proxy: Object.fromEntries(
      ["/api", "/v1", "/v2", "/graphql", "/badges", "/health", "/openapi.json", "/docs", "/assets"].map((p) => [p, api]),
    ),
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
