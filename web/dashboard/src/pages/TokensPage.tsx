// /settings/tokens — API tokens: list, create (the secret is shown once), revoke.
import { useState } from 'react';
import { api, errorMessage, unwrap } from '../api/client';
import { useAsync } from '../api/hooks';
import { ROLES, ROLE_HINTS, ROLE_LABELS, type CreatedToken, type Role } from '../api/types';
import { Icon } from '../components/Icon';
import { Card, CodeBlock, ConfirmButton, EmptyState, ErrorBox, Field, InlineMessage, PageHeader, RoleBadge, SkeletonRows, Spinner } from '../components/ui';
import { formatDateTime, formatRelative } from '../lib/format';
import { useSites } from '../state/sites';

export function TokensPage() {
  const { sites } = useSites();
  const { data: tokens, error, reload } = useAsync((signal) => unwrap(api.GET('/api/v1/tokens', { signal })), []);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [revoking, setRevoking] = useState<number | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const siteName = (id: number | null) => (id === null ? 'All sites' : (sites?.find((s) => s.id === id)?.name ?? `Site #${id}`));

  const revoke = async (id: number) => {
    setRevoking(id);
    setMessage(null);
    try {
      await unwrap(api.DELETE('/api/v1/tokens/{id}', { params: { path: { id } } }));
      reload();
    } catch (e) {
      setMessage(errorMessage(e));
    } finally {
      setRevoking(null);
    }
  };

  return (
    <div className="page">
      <PageHeader
        title="API tokens"
        subtitle={
          <>
            For scripts and integrations: send <code>Authorization: Bearer &lt;token&gt;</code> to the API. A token can do what its role allows, on one site or all.
          </>
        }
        actions={
          !creating &&
          !created && (
            <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
              <Icon name="plus" size={15} /> Create token
            </button>
          )
        }
      />
      {created && (
        <Card className="token-created" title="Copy your new token now">
          <p>
            This is the only time <strong>{created.info.name}</strong> is shown. Store it somewhere safe; if it is lost, revoke it and create another.
          </p>
          <div data-testid="new-token">
            <CodeBlock code={created.token} label="Copy token" />
          </div>
          <div className="form-actions">
            <button type="button" className="btn btn-secondary" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        </Card>
      )}
      {creating && (
        <Card title="Create a token">
          <CreateTokenForm
            onCancel={() => setCreating(false)}
            onCreated={(t) => {
              setCreating(false);
              setCreated(t);
              reload();
            }}
          />
        </Card>
      )}
      {message && <InlineMessage kind="error">{message}</InlineMessage>}
      <Card padded={false}>
        {error && !tokens ? (
          <div className="card-body">
            <ErrorBox title="Could not load the tokens" message={error} onRetry={reload} />
          </div>
        ) : !tokens ? (
          <div className="card-body">
            <SkeletonRows rows={3} />
          </div>
        ) : tokens.length === 0 ? (
          <EmptyState icon="tokens" title="No API tokens">
            <p>Create one to read reports from scripts, BI tools or CI.</p>
          </EmptyState>
        ) : (
          <table className="table" data-testid="tokens-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Site</th>
                <th>Role</th>
                <th>Created</th>
                <th>Last used</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => (
                <tr key={t.id}>
                  <td className="strong">{t.name}</td>
                  <td>{siteName(t.site_id ?? null)}</td>
                  <td>
                    <RoleBadge role={t.role} />
                  </td>
                  <td className="muted nowrap">{formatDateTime(t.created_at)}</td>
                  <td className="muted nowrap">{formatRelative(t.last_used_at ?? null)}</td>
                  <td className="actions-cell">
                    <ConfirmButton label="Revoke" confirmLabel="Revoke token" busy={revoking === t.id} onConfirm={() => revoke(t.id)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}

function CreateTokenForm({ onCreated, onCancel }: { onCreated: (t: CreatedToken) => void; onCancel: () => void }) {
  const { sites } = useSites();
  const [name, setName] = useState('');
  const [site, setSite] = useState<string>('');
  const [role, setRole] = useState<Role>('viewer');
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
          onCreated(await unwrap(api.POST('/api/v1/tokens', { body: { name: name.trim(), site: site === '' ? null : site, role } })));
        } catch (err) {
          setError(errorMessage(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      <div className="form-row form-row-3">
        <Field label="Name" htmlFor="token-name" hint="What uses it, e.g. “Weekly report script”.">
          <input id="token-name" className="input" value={name} onChange={(e) => setName(e.target.value)} required autoFocus />
        </Field>
        <Field label="Site" htmlFor="token-site">
          <select id="token-site" className="input" value={site} onChange={(e) => setSite(e.target.value)}>
            <option value="">All sites</option>
            {(sites ?? []).map((s) => (
              <option key={s.id} value={s.key}>
                {s.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Role" htmlFor="token-role" hint={ROLE_HINTS[role]}>
          <select id="token-role" className="input" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </select>
        </Field>
      </div>
      {error && <InlineMessage kind="error">{error}</InlineMessage>}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy || !name.trim()}>
          {busy && <Spinner />} Create token
        </button>
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
