// Builds dist/t.js (IIFE, minified: the <script> snippet), dist/replay.js (IIFE, minified: the
// session-replay add-on the snippet loads for sampled sessions) and dist/index.mjs (ESM npm package).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

// Browsers from 2021 on (class fields, ||=, ?. stay as written). Older ones still run the page,
// the tracker just does not load there (a syntax error in its own script only). Chrome/Edge 91:
// esbuild rewrites every `?.` for older Chrome (a V8 bug with `(a?.b)()`, a form not used here).
const target = ['chrome91', 'edge91', 'firefox90', 'safari14.1'];
const common = { bundle: true, target, logLevel: 'info', legalComments: 'none' };

await build({
  ...common,
  entryPoints: ['src/snippet.ts'],
  outfile: 'dist/t.js',
  format: 'iife',
  minify: true,
  // Shortened in the self-contained snippet: private members (`_x`), and option / internal member
  // names that never leave it (not wire fields, DOM names, web-vitals names the tracker reads, snippet
  // commands, or the replay hook's one-letter names, which dist/replay.js relies on), including
  // web-vitals' own options and metric fields that the tracker never passes or reads (reportAllChanges … entries).
  mangleProps:
    /^(_.*|endpoint|persistent|dnt|mask|vitals|transport|session|interval|batchSize|maxEvents|maxBytes|compress|beforeFlush|retryNow|touch|save|last|out|el|reportAllChanges|durationThreshold|firstHiddenTime|onHidden|navigationType|delta|entries)$/,
});

await build({
  ...common,
  entryPoints: ['src/replay-entry.ts'],
  outfile: 'dist/replay.js',
  format: 'iife',
  minify: true,
});

await build({
  ...common,
  entryPoints: ['src/index.ts'],
  outfile: 'dist/index.mjs',
  format: 'esm',
  // web-vitals stays a dependency of the npm package instead of being inlined
  packages: 'external',
});
