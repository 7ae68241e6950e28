// /settings/members — who can see the current site; add an existing user by email, remove.
import { useState } from 'react';
import { Link } from 'react-router';
import { api, errorMessage, unwrap } from '../api/client';
import { useAsync } from '../api/hooks';
import { ROLE_HINTS, ROLE_LABELS } from '../api/types';
import { Card, ConfirmButton, EmptyState, ErrorBox, Field, InlineMessage, PageHeader, RoleBadge, SkeletonRows, Spinner } from '../components/ui';
import { useUser } from '../state/auth';
import { findSite, useCurrentSiteKey, useSites } from '../state/sites';
import { NoSites } from './NoSites';

export function MembersPage() {
  const { sites } = useSites();
  const key = useCurrentSiteKey();
  if (sites && sites.length === 0) return <NoSites />;
  const site = findSite(sites, key);
  return (
    <div className="page">
      <PageHeader title="Members" subtitle={<>People who can see {site ? <strong>{site.name}</strong> : 'this site'}. Switch site with the menu at the top.</>} />
      {key ? <Members key={key} siteKey={key} /> : <SkeletonRows rows={4} />}
    </div>
  );
}

function Members({ siteKey }: { siteKey: string }) {
  const me = useUser();
  const { data: members, error, reload } = useAsync(
    (signal) => unwrap(api.GET('/api/v1/sites/{site}/members', { params: { path: { site: siteKey } }, signal })),
    [siteKey],
  );
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [removing, setRemoving] = useState<number | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const add = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      await unwrap(api.POST('/api/v1/sites/{site}/members', { params: { path: { site: siteKey } }, body: { email: email.trim() } }));
      setMessage({ ok: true, text: `${email.trim()} can now see this site.` });
      setEmail('');
      reload();
    } catch (err) {
      setMessage({ ok: false, text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };

  const remove = async (userId: number, who: string) => {
    setRemoving(userId);
    setMessage(null);
    try {
      await unwrap(api.DELETE('/api/v1/sites/{site}/members/{user_id}', { params: { path: { site: siteKey, user_id: userId } } }));
      setMessage({ ok: true, text: `${who} was removed.` });
      reload();
    } catch (err) {
      setMessage({ ok: false, text: errorMessage(err) });
    } finally {
      setRemoving(null);
    }
  };

  return (
    <>
      <Card title="Add a member">
        <form className="form form-inline" onSubmit={add}>
          <Field label="Email of an existing user" htmlFor="member-email">
            <input id="member-email" className="input" type="email" placeholder="colleague@example.com" value={email} onChange={(e) => setEmail(e.target.value)} required />
          </Field>
          <button type="submit" className="btn btn-primary" disabled={busy || !email.trim()}>
            {busy && <Spinner />} Add member
          </button>
        </form>
        <p className="muted small">
          What a member may do follows their role.{' '}
          {me.role === 'admin' ? (
            <>
              New people need an account first: <Link to="/settings/users">add a user</Link>.
            </>
          ) : (
            'New people need an account first; an admin can create it.'
          )}
        </p>
        {message && <InlineMessage kind={message.ok ? 'success' : 'error'}>{message.text}</InlineMessage>}
      </Card>
      <Card padded={false} title="Members">
        {error && !members ? (
          <div className="card-body">
            <ErrorBox title="Could not load the members" message={error} onRetry={reload} />
          </div>
        ) : !members ? (
          <div className="card-body">
            <SkeletonRows rows={3} />
          </div>
        ) : members.length === 0 ? (
          <EmptyState icon="members" title="No members yet">
            <p>Admins see every site. Add analysts and viewers by email above.</p>
          </EmptyState>
        ) : (
          <table className="table" data-testid="members-table">
            <thead>
              <tr>
                <th>Email</th>
                <th>Role</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <tr key={m.user_id}>
                  <td>
                    {m.email}
                    {m.user_id === me.id && <span className="muted"> (you)</span>}
                  </td>
                  <td>
                    <RoleBadge role={m.role} /> <span className="muted small">{ROLE_HINTS[m.role]}</span>
                  </td>
                  <td className="actions-cell">
                    <ConfirmButton label="Remove" confirmLabel={`Remove ${ROLE_LABELS[m.role].toLowerCase()}`} busy={removing === m.user_id} onConfirm={() => remove(m.user_id, m.email)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}
