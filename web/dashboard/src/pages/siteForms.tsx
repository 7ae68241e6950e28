// Forms that edit a site (PUT /api/v1/sites/{site} takes the whole settings object each time).
import { useState, type ReactNode } from 'react';
import { api, errorMessage, unwrap } from '../api/client';
import { useAsync } from '../api/hooks';
import type { RetentionPreview, Site, SiteUpdate } from '../api/types';
import { ReplayQuotaBanner, ReplayUsageMeter } from '../components/ReplayQuota';
import { Field, InlineMessage, Spinner } from '../components/ui';
import { linesToList, listToLines } from '../lib/format';
import { MAX_QUOTA_MB, formatRate, parseRate } from '../lib/quota';
import { deletesData, describeDeletion, lowersRetention } from '../lib/retention';
import { useSites } from '../state/sites';

export function toUpdate(site: Site): SiteUpdate {
  return {
    name: site.name,
    domains: site.domains,
    allowed_origins: site.allowed_origins,
    page_groups: site.page_groups,
    mask_selectors: site.mask_selectors,
    persistent_ids: site.persistent_ids,
    respect_dnt: site.respect_dnt,
    retention_days: site.retention_days,
    replay_sample_rate: site.replay_sample_rate,
    block_selectors: site.block_selectors,
    replay_quota_mb: site.replay_quota_mb,
  };
}

/** Saves a change, shows "Saved" or the server's message, and updates the shared site list. */
function useSaveSite(site: Site, onSaved: (s: Site) => void) {
  const { replace } = useSites();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; message: string } | null>(null);
  const save = async (change: Partial<SiteUpdate>) => {
    setBusy(true);
    setResult(null);
    try {
      const updated = await unwrap(
        api.PUT('/api/v1/sites/{site}', { params: { path: { site: site.key } }, body: { ...toUpdate(site), ...change } }),
      );
      onSaved(updated);
      replace(updated);
      setResult({ ok: true, message: 'Saved.' });
    } catch (e) {
      setResult({ ok: false, message: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };
  return { busy, result, save };
}

function SaveBar({ busy, result, disabled = false }: { busy: boolean; result: { ok: boolean; message: string } | null; disabled?: boolean }) {
  return (
    <div className="form-actions">
      <button type="submit" className="btn btn-primary" disabled={busy || disabled}>
        {busy && <Spinner />} Save changes
      </button>
      {result && <InlineMessage kind={result.ok ? 'success' : 'error'}>{result.message}</InlineMessage>}
    </div>
  );
}

function Section({ title, description, children }: { title: string; description: ReactNode; children: ReactNode }) {
  return (
    <div className="settings-section">
      <div className="settings-section-intro">
        <h3>{title}</h3>
        <p className="muted">{description}</p>
      </div>
      <div className="settings-section-body">{children}</div>
    </div>
  );
}

export function GeneralForm({ site, onSaved }: { site: Site; onSaved: (s: Site) => void }) {
  const [name, setName] = useState(site.name);
  const [domains, setDomains] = useState(listToLines(site.domains));
  const [origins, setOrigins] = useState(listToLines(site.allowed_origins));
  const [groups, setGroups] = useState(listToLines(site.page_groups));
  const { busy, result, save } = useSaveSite(site, onSaved);
  return (
    <form
      className="form"
      onSubmit={(e) => {
        e.preventDefault();
        void save({ name: name.trim(), domains: linesToList(domains), allowed_origins: linesToList(origins), page_groups: linesToList(groups) });
      }}
    >
      <Section title="Site" description="How the site is named in the dashboard and where it runs.">
        <Field label="Name" htmlFor="gs-name">
          <input id="gs-name" className="input" value={name} onChange={(e) => setName(e.target.value)} required />
        </Field>
        <Field label="Domains" htmlFor="gs-domains" hint="One per line. Events from these hosts and their subdomains are accepted.">
          <textarea id="gs-domains" className="input textarea" rows={3} value={domains} onChange={(e) => setDomains(e.target.value)} placeholder="shop.example.com" />
        </Field>
        <Field label="Allowed origins" htmlFor="gs-origins" hint="One per line, e.g. https://staging.example.net — extra origins allowed to send events.">
          <textarea id="gs-origins" className="input textarea" rows={2} value={origins} onChange={(e) => setOrigins(e.target.value)} placeholder="https://staging.example.net" />
        </Field>
      </Section>
      <Section
        title="Page groups"
        description={
          <>
            Group similar URLs so reports treat them as one page, e.g. <code>/products/*</code> or <code>/blog/:slug</code>. One pattern per line.
          </>
        }
      >
        <Field label="Patterns" htmlFor="gs-groups">
          <textarea id="gs-groups" className="input textarea mono" rows={5} value={groups} onChange={(e) => setGroups(e.target.value)} placeholder={'/products/*\n/blog/*'} />
        </Field>
      </Section>
      <SaveBar busy={busy} result={result} disabled={!name.trim()} />
    </form>
  );
}

export function PrivacyForm({ site, onSaved }: { site: Site; onSaved: (s: Site) => void }) {
  const [masks, setMasks] = useState(listToLines(site.mask_selectors));
  const [persistent, setPersistent] = useState(site.persistent_ids);
  const [dnt, setDnt] = useState(site.respect_dnt);
  const [retention, setRetention] = useState(String(site.retention_days));
  const [sample, setSample] = useState(formatRate(site.replay_sample_rate));
  const [blocks, setBlocks] = useState(listToLines(site.block_selectors));
  const [quota, setQuota] = useState(String(site.replay_quota_mb));
  const { busy, result, save } = useSaveSite(site, onSaved);
  const days = Number(retention);
  const retentionOk = Number.isInteger(days) && days >= 1;
  const rate = parseRate(sample);
  const quotaMb = Number(quota);
  const quotaOk = quota.trim() !== '' && Number.isInteger(quotaMb) && quotaMb >= 1 && quotaMb <= MAX_QUOTA_MB;
  const valid = retentionOk && rate !== null && quotaOk;
  const lowered = retentionOk && lowersRetention(site.retention_days, days);
  const fetchPreview = (signal?: AbortSignal) =>
    unwrap(api.GET('/api/v1/sites/{site}/retention-preview', { params: { path: { site: site.key }, query: { retention_days: days } }, signal }));
  // What the lowered retention would delete, shown as the number is typed (the previous answer stays while loading).
  const { data: preview, error: previewError } = useAsync((signal) => (lowered ? fetchPreview(signal) : Promise.resolve(null)), [site.key, lowered ? days : 0]);
  const currentPreview = lowered && preview?.retention_days === days ? preview : null;
  // Set while the form waits for "Delete data and save".
  const [confirming, setConfirming] = useState<RetentionPreview | null>(null);
  const [checking, setChecking] = useState(false);
  const saveAll = () =>
    save({
      mask_selectors: linesToList(masks),
      persistent_ids: persistent,
      respect_dnt: dnt,
      retention_days: days,
      replay_sample_rate: rate ?? 0,
      block_selectors: linesToList(blocks),
      replay_quota_mb: quotaMb,
    });
  return (
    <form
      className="form"
      data-testid="privacy-form"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!valid || confirming) return;
        if (lowered) {
          // Ask again at save time: data keeps arriving and the shown preview may be for another number.
          setChecking(true);
          try {
            const fresh = await fetchPreview();
            if (deletesData(fresh)) return setConfirming(fresh);
          } catch {
            // The server decides on save and explains a refusal.
          } finally {
            setChecking(false);
          }
        }
        void saveAll();
      }}
    >
      <Section
        title="Masking"
        description="Everything typed into inputs is masked in the browser before it is sent. Also hide the text of elements matching these CSS selectors."
      >
        <Field label="Masked selectors" htmlFor="pv-masks" hint="One CSS selector per line.">
          <textarea id="pv-masks" className="input textarea mono" rows={4} value={masks} onChange={(e) => setMasks(e.target.value)} placeholder={'.customer-name\n[data-private]'} />
        </Field>
      </Section>
      <Section title="Visitor identification" description="How a returning visitor is recognised.">
        <div className="radio-cards" role="radiogroup" aria-label="Visitor identification">
          <label className={`radio-card ${!persistent ? 'radio-card-active' : ''}`}>
            <input type="radio" name="ids" checked={!persistent} onChange={() => setPersistent(false)} />
            <span>
              <strong>Cookieless</strong>
              <span className="muted">No cookie or stored id; visitors are not recognised across visits. No consent banner needed in most places.</span>
            </span>
          </label>
          <label className={`radio-card ${persistent ? 'radio-card-active' : ''}`}>
            <input type="radio" name="ids" checked={persistent} onChange={() => setPersistent(true)} />
            <span>
              <strong>Persistent visitor ids</strong>
              <span className="muted">A first-party id stored in the browser recognises returning visitors. May require consent.</span>
            </span>
          </label>
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={dnt} onChange={(e) => setDnt(e.target.checked)} />
          <span>
            <strong>Honour Do Not Track</strong>
            <span className="muted">Record nothing from browsers that send the Do Not Track signal.</span>
          </span>
        </label>
      </Section>
      <Section
        title="Session replay"
        description="Recordings of the page as the visitor saw it. Every input value is masked in the browser, always; masked selectors above hide text in replays too."
      >
        <Field label="Sessions recorded (%)" htmlFor="pv-sample" hint="Share of new sessions recorded for replay. 0 turns replay off; 100 records every session.">
          <input
            id="pv-sample"
            className="input input-narrow"
            type="number"
            min={0}
            max={100}
            step="any"
            value={sample}
            onChange={(e) => setSample(e.target.value)}
          />
        </Field>
        {rate === null && <div className="field-error">Enter a percentage from 0 to 100.</div>}
        <Field
          label="Blocked selectors"
          htmlFor="pv-blocks"
          hint={
            <>
              One CSS selector per line. Matching elements are left out of replays entirely (an empty box of the same size), like anything marked{' '}
              <code>data-sl-block</code>.
            </>
          }
        >
          <textarea id="pv-blocks" className="input textarea mono" rows={3} value={blocks} onChange={(e) => setBlocks(e.target.value)} placeholder={'#chat-widget\n.account-balance'} />
        </Field>
        <Field label="Storage quota (MB)" htmlFor="pv-quota" hint="Disk the site's replays may use. When it is full, new sessions are not recorded until retention frees space.">
          <input id="pv-quota" className="input input-narrow" type="number" min={1} max={MAX_QUOTA_MB} step={1} value={quota} onChange={(e) => setQuota(e.target.value)} />
        </Field>
        {!quotaOk && <div className="field-error">Enter a whole number of megabytes (1 or more).</div>}
        <div className="field">
          <span className="field-label">Storage used</span>
          <ReplayUsageMeter site={site} />
        </div>
        <ReplayQuotaBanner site={site} settingsLink={false} />
      </Section>
      <Section title="Retention" description="Events, sessions and replays older than this are deleted from every store.">
        <Field label="Keep data for (days)" htmlFor="pv-retention">
          <input
            id="pv-retention"
            className="input input-narrow"
            type="number"
            min={1}
            step={1}
            value={retention}
            onChange={(e) => {
              setRetention(e.target.value);
              setConfirming(null);
            }}
          />
        </Field>
        {!retentionOk && <div className="field-error">Enter a whole number of days (1 or more).</div>}
        {currentPreview && !confirming && (
          <div data-testid="retention-preview">
            <InlineMessage kind={deletesData(currentPreview) ? 'error' : 'info'}>
              {deletesData(currentPreview)
                ? `Saving deletes ${describeDeletion(currentPreview)}. Only admins can lower retention this far.`
                : describeDeletion(currentPreview)}
            </InlineMessage>
          </div>
        )}
        {lowered && previewError && !confirming && <div className="field-error">Could not check what this deletes: {previewError}</div>}
        {confirming && (
          <div className="retention-confirm" role="alertdialog" aria-label="Confirm deleting data" data-testid="retention-confirm">
            <p>
              <strong>Saving deletes {describeDeletion(confirming)}.</strong> This cannot be undone.
            </p>
            <div className="form-actions">
              <button
                type="button"
                className="btn btn-danger"
                onClick={() => {
                  setConfirming(null);
                  void saveAll();
                }}
              >
                Delete data and save
              </button>
              <button type="button" className="btn btn-ghost" onClick={() => setConfirming(null)}>
                Cancel
              </button>
            </div>
          </div>
        )}
      </Section>
      <SaveBar busy={busy || checking} result={result} disabled={!valid || confirming !== null} />
    </form>
  );
}
