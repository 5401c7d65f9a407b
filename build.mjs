// Builds the browser app into dist/public (with .gz/.br siblings, served precompressed)
// and the signaling server into dist/server.js.
import { build } from 'esbuild';
import { mkdir, readFile, writeFile, copyFile, rm } from 'node:fs/promises';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { join } from 'node:path';

const out = 'dist';
const pub = join(out, 'public');

await rm(out, { recursive: true, force: true });
await mkdir(pub, { recursive: true });

const client = await build({
  entryPoints: { app: 'client/main.ts' },
  outdir: pub,
  bundle: true,
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

await copyFile('client/index.html', join(pub, 'index.html'));
await copyFile('client/favicon.svg', join(pub, 'favicon.svg'));

await build({
  entryPoints: { server: 'signaling/main.ts' },
  outdir: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
});

for (const file of ['app.js', 'index.html', 'favicon.svg']) {
  const path = join(pub, file);
  const body = await readFile(path);
  await writeFile(`${path}.gz`, gzipSync(body, { level: 9 }));
  await writeFile(`${path}.br`, brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
}

const appBytes = Object.entries(client.metafile.outputs).find(([p]) => p.endsWith('app.js'))?.[1].bytes ?? 0;
const appGz = (await readFile(join(pub, 'app.js.gz'))).length;
console.log(`built client: app.js ${(appBytes / 1024).toFixed(1)} KB, ${(appGz / 1024).toFixed(1)} KB gz; server: dist/server.js`);
