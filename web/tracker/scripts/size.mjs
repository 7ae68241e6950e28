// Prints raw and gzip bytes of the browser bundles; fails when one exceeds its gzip budget:
// dist/t.js (the core snippet, web-vitals included) 8 KB, dist/replay.js (the add-on, rrweb's
// recorder included) 30 KB.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const budgets = { 't.js': 8 * 1024, 'replay.js': 30 * 1024 };
let over = false;
for (const [name, budget] of Object.entries(budgets)) {
  const raw = readFileSync(new URL(`../dist/${name}`, import.meta.url));
  const gz = gzipSync(raw, { level: 9 }).length;
  console.log(`dist/${name}: ${raw.length} bytes raw, ${gz} bytes gzip (budget ${budget})`);
  if (gz > budget) {
    console.error(`dist/${name} is over budget by ${gz - budget} bytes gzip`);
    over = true;
  }
}
if (over) process.exit(1);
