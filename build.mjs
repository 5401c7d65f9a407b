// Builds the browser app into dist/public (with .gz/.br siblings, served precompressed)
// and the signaling server into dist/server.js.
import { build } from 'esbuild';
import { mkdir, readFile, readdir, writeFile, copyFile, rm } from 'node:fs/promises';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { dirname, join, relative } from 'node:path';

const out = 'dist';
const pub = join(out, 'public');

await rm(out, { recursive: true, force: true });
await mkdir(pub, { recursive: true });

// Three entries with stable names (the pages and other sites refer to them) share code-split
// chunks whose names carry their content hash, so those can be cached for good.
const client = await build({
  entryPoints: [
    { in: 'client/main.ts', out: 'app' },
    { in: 'client/embed/main.ts', out: 'embed' },
    { in: 'client/embed/frame.ts', out: 'embed/frame' },
  ],
  outdir: pub,
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  minify: true,
  format: 'esm',
  target: ['chrome110', 'firefox115', 'safari16'],
  define: { global: 'globalThis', 'process.env.NODE_DEBUG': 'false' },
  inject: ['client/shims/process.ts'],
  // Node-only parts of simple-peer that Porch does not use, replaced by small stand-ins.
  alias: {
    'readable-stream': './client/shims/stream.ts',
    debug: './client/shims/debug.cjs',
    randombytes: './client/shims/randombytes.cjs',
    buffer: './client/shims/buffer.ts',
  },
  legalComments: 'none',
  metafile: true,
});

// The frame worker (client/engine/audio/frame-worker.ts) runs on its own, so it is built whole; Chromium loads it with a page's first relaying link, Firefox as the room opens (its transforms need it).
await build({
  entryPoints: { 'frame-worker': 'client/engine/audio/frame-worker.ts' },
  outdir: pub,
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome110'],
  legalComments: 'none',
});

/** An entry and every chunk it imports before it runs, as paths under the site root. */
function loads(entry) {
  const seen = new Set();
  const visit = (output) => {
    if (seen.has(output)) return;
    seen.add(output);
    for (const imported of client.metafile.outputs[output].imports) if (imported.kind === 'import-statement') visit(imported.path);
  };
  visit(join(pub, entry));
  return [...seen].map((output) => `/${relative(pub, output)}`);
}

/** Copies a page, preloading its script's chunks so they are fetched at once rather than one import after another. */
async function page(from, to, entry) {
  const preloads = loads(entry)
    .slice(1)
    .map((chunk) => `<link rel="modulepreload" href="${chunk}" />`)
    .join('\n    ');
  const html = (await readFile(from, 'utf8')).replace(`<script type="module" src="/${entry}"></script>`, (tag) => `${preloads}\n    ${tag}`);
  await mkdir(dirname(join(pub, to)), { recursive: true });
  await writeFile(join(pub, to), html);
}

await page('client/index.html', 'index.html', 'app.js');
await page('client/embed/index.html', 'embed/index.html', 'embed/frame.js');
await copyFile('client/favicon.svg', join(pub, 'favicon.svg'));
// What each entry loads, for the benchmarks.
const manifest = Object.fromEntries(['app.js', 'embed.js', 'embed/frame.js'].map((entry) => [entry, loads(entry)]));
await writeFile(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2));

await build({
  entryPoints: { server: 'signaling/main.ts' },
  outdir: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
});

for (const file of await readdir(pub, { recursive: true })) {
  if (!/\.(js|html|svg)$/.test(file)) continue;
  const path = join(pub, file);
  const body = await readFile(path);
  await writeFile(`${path}.gz`, gzipSync(body, { level: 9 }));
  await writeFile(`${path}.br`, brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
}

const gzipped = async (entry) => {
  let total = 0;
  for (const file of manifest[entry]) total += (await readFile(join(pub, `${file}.gz`))).length;
  return `${entry} ${(total / 1024).toFixed(1)} KB gz`;
};
console.log(`built client (each with what it loads): ${(await Promise.all(Object.keys(manifest).map(gzipped))).join(', ')}; server: dist/server.js`);
