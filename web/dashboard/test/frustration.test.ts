import { describe, expect, it } from 'vitest';
import {
  FRUSTRATION_KINDS,
  frictionBand,
  formatFriction,
  frustrationChips,
  frustrationLabel,
  frustrationShort,
  isFrustrationKind,
  splitCode,
} from '../src/lib/frustration';

describe('kinds', () => {
  it('has a label for every detector the server names', () => {
    expect(FRUSTRATION_KINDS).toHaveLength(11);
    for (const k of FRUSTRATION_KINDS) {
      expect(frustrationLabel(k)).not.toContain('_');
      expect(frustrationShort(k).length).toBeLessThanOrEqual(frustrationLabel(k).length);
    }
    expect(frustrationLabel('rage_click')).toBe('Rage click');
    expect(frustrationLabel('js_error')).toBe('JavaScript error');
  });
  it('humanizes a kind it does not know', () => {
    expect(isFrustrationKind('new_thing')).toBe(false);
    expect(frustrationLabel('new_thing')).toBe('New thing');
  });
});

describe('chips', () => {
  it('orders by count, then by the server’s kind order, and drops empty kinds', () => {
    expect(frustrationChips({ js_error: 4, rage_click: 1, dead_click: 4, form_abandonment: 0, zzz_new: 1 })).toEqual([
      { kind: 'dead_click', count: 4 },
      { kind: 'js_error', count: 4 },
      { kind: 'rage_click', count: 1 },
      { kind: 'zzz_new', count: 1 },
    ]);
    expect(frustrationChips(undefined)).toEqual([]);
  });
});

describe('friction', () => {
  it('bands scores: none, low, medium from 20, high from 50 (one rage click)', () => {
    expect(frictionBand(0)).toBe('none');
    expect(frictionBand(19.9)).toBe('low');
    expect(frictionBand(20)).toBe('medium');
    expect(frictionBand(50)).toBe('high');
    expect(frictionBand(NaN)).toBe('none');
  });
  it('shows whole numbers within 0-100', () => {
    expect(formatFriction(99.58)).toBe('100');
    expect(formatFriction(38.6)).toBe('39');
    expect(formatFriction(0)).toBe('0');
    expect(formatFriction(140)).toBe('100');
    expect(formatFriction(undefined)).toBe('—');
  });
});

describe('splitCode', () => {
  it('marks the backticked parts of a server sentence as code', () => {
    expect(splitCode('Dead click on `#buy` (/p)')).toEqual([
      { text: 'Dead click on ', code: false },
      { text: '#buy', code: true },
      { text: ' (/p)', code: false },
    ]);
    expect(splitCode('`a``b`')).toEqual([
      { text: 'a', code: true },
      { text: 'b', code: true },
    ]);
  });
  it('leaves plain text and an unmatched backtick alone', () => {
    expect(splitCode('no code')).toEqual([{ text: 'no code', code: false }]);
    expect(splitCode('half `open')).toEqual([{ text: 'half `open', code: false }]);
    expect(splitCode('')).toEqual([]);
  });
});
