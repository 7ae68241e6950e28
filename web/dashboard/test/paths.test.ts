import { describe, expect, it } from 'vitest';
import { carriedSearch, documentScope, safeNext, sitePagePath, switchSitePath } from '../src/lib/paths';
import { parseDomains } from '../src/pages/AddSiteForm';

describe('switchSitePath', () => {
  it('keeps the page, range and filters when switching site', () => {
    expect(switchSitePath('/sites/aaa/overview', '?from=2026-01-01&device=mobile', 'bbb')).toBe('/sites/bbb/overview?from=2026-01-01&device=mobile');
    expect(switchSitePath('/settings/sites/aaa', '?tab=privacy', 'bbb')).toBe('/settings/sites/bbb?tab=privacy');
  });
  it('puts the site in the query on pages without one in the path', () => {
    expect(switchSitePath('/settings/members', '', 'b b')).toBe('/settings/members?site=b+b');
    expect(switchSitePath('/settings/privacy', '?site=aaa&x=1', 'bbb')).toBe('/settings/privacy?site=bbb&x=1');
  });
  it('encodes site keys', () => {
    expect(sitePagePath('a/b')).toBe('/sites/a%2Fb/overview');
  });
});

describe('carriedSearch', () => {
  it('carries only the range and filters to another analytics page', () => {
    expect(carriedSearch('?tab=x&to=2026-01-02&from=2026-01-01&device=mobile&site=q')).toBe('?from=2026-01-01&to=2026-01-02&device=mobile');
  });
});

describe('safeNext', () => {
  it('only follows same-app paths', () => {
    expect(safeNext('/sites/a/overview?device=mobile')).toBe('/sites/a/overview?device=mobile');
    for (const bad of [null, '', 'https://evil.example', '//evil.example', '/\\evil.example', '/login?next=/x', '/setup']) {
      expect(safeNext(bad)).toBe('/');
    }
  });
});

describe('parseDomains', () => {
  it('accepts commas, spaces and newlines, and drops schemes and paths', () => {
    expect(parseDomains('Shop.example.com, https://www.example.com/path\nblog.example.com')).toEqual(['shop.example.com', 'www.example.com', 'blog.example.com']);
    expect(parseDomains('  ')).toEqual([]);
  });
});

describe('documentScope', () => {
  it('gives each site its own replay scope and every other page the default one', () => {
    expect(documentScope('/sites/aaa/replay/s1')).toBe('recorded:aaa');
    expect(documentScope('/sites/12/replay/s1')).toBe('recorded:12');
    expect(documentScope('/sites/bbb/replay/s1')).not.toBe(documentScope('/sites/aaa/replay/s1'));
    // heatmaps draw the same recorded pages under the same policy: no new document between the two
    expect(documentScope('/sites/aaa/heatmaps')).toBe(documentScope('/sites/aaa/replay/s1'));
    expect(documentScope('/sites/aaa/heatmapsx')).toBe('');
    for (const other of ['/', '/login', '/sites/aaa/overview', '/sites/aaa/sessions', '/sites/aaa/replay', '/settings/sites/aaa', '/sites//replay/s1']) {
      expect(documentScope(other)).toBe('');
    }
  });
  it('matches the replay links the sessions list makes', () => {
    expect(documentScope(sitePagePath('aaa', `replay/${encodeURIComponent('s 1')}`))).toBe('recorded:aaa');
  });
});
