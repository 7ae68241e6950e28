// Builds dist/t.js (IIFE, minified: the <script> snippet) and dist/index.mjs (ESM npm package).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

// Browsers from 2021 on (class fields, ||=, ?. stay as written). Older ones still run the page,
// the tracker just does not load there (a syntax error in its own script only).
const target = ['chrome88', 'edge88', 'firefox90', 'safari14.1'];
const common = { bundle: true, target, logLevel: 'info', legalComments: 'none' };

await build({
  ...common,
  entryPoints: ['src/snippet.ts'],
  outfile: 'dist/t.js',
  format: 'iife',
  minify: true,
  // private members are named `_x`: safe to shorten in the self-contained snippet
  mangleProps: /^_/,
});

await build({
  ...common,
  entryPoints: ['src/index.ts'],
  outfile: 'dist/index.mjs',
  format: 'esm',
  // web-vitals stays a dependency of the npm package instead of being inlined
  packages: 'external',
});
