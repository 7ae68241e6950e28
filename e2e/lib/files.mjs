// Searching every file under a directory for strings, as raw bytes (and gunzipped when gzip).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

export async function listFiles(dir) {
  const out = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) out.push(...(await listFiles(p)));
    else if (d.isFile()) out.push(p);
  }
  return out;
}

/**
 * Which `needles` occur in which files under `dir`: [{file, needle, how}] (`how`: raw, gzip).
 * Every file is read as bytes; a needle is looked for as UTF-8/Latin-1 bytes (ASCII needles),
 * and in the decompressed bytes of gzip files (gzip streams appended one after another included).
 */
export async function findInFiles(dir, needles) {
  const hits = [];
  const files = await listFiles(dir);
  for (const file of files) {
    let buf;
    try {
      buf = await readFile(file);
    } catch {
      continue; // removed meanwhile (compaction, temp files)
    }
    const views = [['raw', buf]];
    if (buf[0] === 0x1f && buf[1] === 0x8b) {
      try {
        views.push(['gzip', gunzipSync(buf)]);
      } catch {
        /* truncated or not really gzip */
      }
    }
    for (const [how, bytes] of views) {
      for (const n of needles) {
        if (bytes.includes(Buffer.from(n, 'latin1')) || bytes.includes(Buffer.from(n, 'utf8'))) {
          hits.push({ file: path.relative(dir, file), needle: n, how });
        }
      }
    }
  }
  return { files, hits };
}
