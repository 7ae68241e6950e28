// Add a site: a name and the domains it runs on (POST /api/v1/sites).
import { useState } from 'react';
import { api, errorMessage, unwrap } from '../api/client';
import type { Site } from '../api/types';
import { Field, InlineMessage, Spinner } from '../components/ui';

/** "shop.example.com, www.shop.example.com" or one per line -> domain list (scheme and path dropped). */
export function parseDomains(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((d) => d.trim().replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase())
    .filter((d) => d !== '');
}

export function AddSiteForm({ onCreated, onCancel, autoFocus = false }: { onCreated: (site: Site) => void; onCancel?: () => void; autoFocus?: boolean }) {
  const [name, setName] = useState('');
  const [domains, setDomains] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="form"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
          const site = await unwrap(api.POST('/api/v1/sites', { body: { name: name.trim(), domains: parseDomains(domains) } }));
          onCreated(site);
        } catch (err) {
          setError(errorMessage(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      <div className="form-row">
        <Field label="Site name" htmlFor="site-name">
          <input id="site-name" className="input" placeholder="My shop" value={name} onChange={(e) => setName(e.target.value)} required autoFocus={autoFocus} />
        </Field>
        <Field label="Domains" htmlFor="site-domains" hint="Where the site runs; subdomains are included. Separate several with commas.">
          <input id="site-domains" className="input" placeholder="shop.example.com" value={domains} onChange={(e) => setDomains(e.target.value)} />
        </Field>
      </div>
      {error && <InlineMessage kind="error">{error}</InlineMessage>}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy || !name.trim()}>
          {busy && <Spinner />} Add site
        </button>
        {onCancel && (
          <button type="button" className="btn btn-ghost" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
