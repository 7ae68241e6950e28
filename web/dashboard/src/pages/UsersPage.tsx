// /settings/users (admins) — every account; add a user with email, password and role.
import { useState } from 'react';
import { api, errorMessage, unwrap } from '../api/client';
import { useAsync } from '../api/hooks';
import { ROLES, ROLE_HINTS, ROLE_LABELS, type Role } from '../api/types';
import { Icon } from '../components/Icon';
import { Card, ErrorBox, Field, InlineMessage, PageHeader, RoleBadge, SkeletonRows, Spinner } from '../components/ui';
import { formatDateTime } from '../lib/format';
import { useUser } from '../state/auth';
import { MIN_PASSWORD } from './SetupPage';

export function UsersPage() {
  const me = useUser();
  const { data: users, error, reload } = useAsync((signal) => unwrap(api.GET('/api/v1/users', { signal })), []);
  const [adding, setAdding] = useState(false);
  return (
    <div className="page">
      <PageHeader
        title="Users"
        subtitle="Everyone who can log in to this server. Admins see every site; analysts and viewers see the sites they are members of."
        actions={
          !adding && (
            <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
              <Icon name="plus" size={15} /> Add user
            </button>
          )
        }
      />
      {adding && (
        <Card title="Add a user">
          <AddUserForm
            onCancel={() => setAdding(false)}
            onCreated={() => {
              setAdding(false);
              reload();
            }}
          />
        </Card>
      )}
      <Card padded={false}>
        {error && !users ? (
          <div className="card-body">
            <ErrorBox title="Could not load the users" message={error} onRetry={reload} />
          </div>
        ) : !users ? (
          <div className="card-body">
            <SkeletonRows rows={3} />
          </div>
        ) : (
          <table className="table" data-testid="users-table">
            <thead>
              <tr>
                <th>Email</th>
                <th>Role</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id}>
                  <td>
                    {u.email}
                    {u.id === me.id && <span className="muted"> (you)</span>}
                  </td>
                  <td>
                    <RoleBadge role={u.role} />
                  </td>
                  <td className="muted nowrap">{formatDateTime(u.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}

function AddUserForm({ onCreated, onCancel }: { onCreated: () => void; onCancel: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="form"
      onSubmit={async (e) => {
        e.preventDefault();
        if (password.length < MIN_PASSWORD) return setError(`The password needs at least ${MIN_PASSWORD} characters.`);
        setBusy(true);
        setError(null);
        try {
          await unwrap(api.POST('/api/v1/users', { body: { email: email.trim(), password, role } }));
          onCreated();
        } catch (err) {
          setError(errorMessage(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      <div className="form-row form-row-3">
        <Field label="Email" htmlFor="user-email">
          <input id="user-email" className="input" type="email" autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} required autoFocus />
        </Field>
        <Field label="Password" htmlFor="user-password" hint={`At least ${MIN_PASSWORD} characters; share it with them securely.`}>
          <input id="user-password" className="input" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </Field>
        <Field label="Role" htmlFor="user-role" hint={ROLE_HINTS[role]}>
          <select id="user-role" className="input" value={role} onChange={(e) => setRole(e.target.value as Role)}>
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
        <button type="submit" className="btn btn-primary" disabled={busy || !email.trim() || !password}>
          {busy && <Spinner />} Add user
        </button>
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
