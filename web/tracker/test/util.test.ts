import { expect, it } from 'vitest';
import { rid } from '../src/util';

it('rid: n chars of [A-Za-z0-9_-], every symbol in use', () => {
  for (const n of [1, 2, 16, 22, 64]) expect(rid(n)).toMatch(new RegExp(`^[A-Za-z0-9_-]{${n}}$`));
  expect(rid()).toHaveLength(22);
  const seen = new Set(Array.from({ length: 300 }, () => rid()).join(''));
  expect(seen.size).toBe(64);
  expect(new Set(Array.from({ length: 1000 }, () => rid())).size).toBe(1000);
});
