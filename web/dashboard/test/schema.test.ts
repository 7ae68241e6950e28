// src/api/schema.d.ts is generated from src/api/openapi.json (the server's document): keep them in step.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..');

describe('generated API types', () => {
  it('src/api/schema.d.ts matches src/api/openapi.json (run `npm run gen:api`)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'schema-'));
    try {
      const out = path.join(dir, 'schema.d.ts');
      execFileSync(process.execPath, [path.join(root, 'node_modules/openapi-typescript/bin/cli.js'), path.join(root, 'src/api/openapi.json'), '-o', out], {
        stdio: 'pipe',
      });
      expect(readFileSync(out, 'utf8')).toBe(readFileSync(path.join(root, 'src/api/schema.d.ts'), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
