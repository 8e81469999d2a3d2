// Bundles src/main.jsx (GraphiQL, React, graphql, graphql-ws and their CSS, fonts inlined) into
// services/api/lianxin_api/static/graphiql/, which the API serves under /graphiql/assets/.
// The output is git-ignored: `make install` runs `npm ci && npm run build` here.
import { build } from "esbuild";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const out = fileURLToPath(new URL("../lianxin_api/static/graphiql/", import.meta.url));
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
const result = await build({
  entryPoints: { graphiql: "src/main.jsx" },
  outdir: out,
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  jsx: "automatic",
  loader: { ".woff2": "dataurl", ".woff": "dataurl", ".svg": "dataurl", ".png": "dataurl" },
  define: { "process.env.NODE_ENV": '"production"' },
  legalComments: "linked",
  logLevel: "warning",
  metafile: true,
});
// written last: the API treats the bundle as present only when this file exists
const files = Object.keys(result.metafile.outputs).map((path) => path.split("/").pop());
await writeFile(new URL("manifest.json", `file://${out}`), JSON.stringify({ files }, null, 2) + "\n");
console.log(`GraphiQL bundle: ${files.join(", ")} -> ${out}`);
