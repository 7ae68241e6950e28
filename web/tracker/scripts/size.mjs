// Prints raw and gzip bytes of dist/t.js; fails when gzip exceeds the 8 KB budget.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET = 8 * 1024;
const raw = readFileSync(new URL('../dist/t.js', import.meta.url));
const gz = gzipSync(raw, { level: 9 }).length;
console.log(`dist/t.js: ${raw.length} bytes raw, ${gz} bytes gzip (budget ${BUDGET})`);
if (gz > BUDGET) {
  console.error(`dist/t.js is over budget by ${gz - BUDGET} bytes gzip`);
  process.exit(1);
}
