// Builds the pages into ../static: bundles src/student/main.ts and src/proctor/main.ts with
// esbuild (minified, ES2022), copies public/ (HTML, CSS). Prints each bundle's gzip size.
// Run by scripts/setup.sh (`npm ci && npm run build`) and by the README's commands.
import { build } from "esbuild";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "static");
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "assets"), { recursive: true });
cpSync(join(here, "public"), out, { recursive: true });

const result = await build({
  entryPoints: { student: join(here, "src/student/main.ts"), proctor: join(here, "src/proctor/main.ts") },
  outdir: join(out, "assets"),
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  sourcemap: false,
  metafile: true,
  logLevel: "warning",
});
const sizes = {};
for (const file of Object.keys(result.metafile.outputs)) {
  const bytes = readFileSync(file);
  sizes[file.split("/").pop()] = { bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}
for (const css of ["styles.css", "index.html", "proctor/index.html"]) {
  const bytes = readFileSync(join(out, css));
  sizes[css] = { bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}
writeFileSync(join(out, "sizes.json"), JSON.stringify(sizes, null, 2));
for (const [name, s] of Object.entries(sizes)) console.log(`${name.padEnd(20)} ${s.bytes} B, ${s.gzip} B gzip`);
