// /settings/users (admins) — the accounts this admin manages (everyone for admins of every site, else the members
// of their sites); add a user with email, password, role and sites; change a role; delete a user.
import { useState } from 'react';
import { api, errorMessage, unwrap } from '../api/client';
import { useAsync } from '../api/hooks';
import { ROLES, ROLE_HINTS, ROLE_LABELS, type Role, type User } from '../api/types';
import { Icon } from '../components/Icon';
import { Card, ConfirmButton, ErrorBox, Field, InlineMessage, PageHeader, SkeletonRows, Spinner } from '../components/ui';
import { formatDateTime } from '../lib/format';
import { useUser } from '../state/auth';
import { useSites } from '../state/sites';
import { MIN_PASSWORD } from './SetupPage';

export function UsersPage() {
  const me = useUser();
  const { data: users, error, reload } = useAsync((signal) => unwrap(api.GET('/api/v1/users', { signal })), []);
  const [adding, setAdding] = useState(false);
  const [busyId, setBusyId] = useState<number | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  // The server decides who may change whom (never beyond the caller's own access) and says why it refused.
  const act = async (id: number, change: () => Promise<unknown>) => {
    setBusyId(id);
    setMessage(null);
    try {
      await change();
      reload();
    } catch (e) {
      setMessage(errorMessage(e));
    } finally {
      setBusyId(null);
    }
  };
  const changeRole = (user: User, role: Role) =>
    act(user.id, () => unwrap(api.PUT('/api/v1/users/{id}', { params: { path: { id: user.id } }, body: { role } })));
  const remove = (user: User) => act(user.id, () => unwrap(api.DELETE('/api/v1/users/{id}', { params: { path: { id: user.id } } })));
  return (
    <div className="page">
      <PageHeader
        title="Users"
        subtitle="The people you manage. Admins see every site; analysts and viewers see the sites they are members of. You can give no one more access than you have."
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
      {message && <InlineMessage kind="error">{message}</InlineMessage>}
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
          <div className="table-scroll">
          <table className="table" data-testid="users-table">
            <thead>
              <tr>
                <th>Email</th>
                <th>Role</th>
                <th>Created</th>
                <th aria-label="Actions" />
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
                    <select
                      className="input input-narrow role-select"
                      aria-label={`Role of ${u.email}`}
                      value={u.role}
                      disabled={busyId === u.id}
                      onChange={(e) => void changeRole(u, e.target.value as Role)}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {ROLE_LABELS[r]}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td className="muted nowrap">{formatDateTime(u.created_at)}</td>
                  <td className="actions-cell">
                    <ConfirmButton label="Delete" confirmLabel={`Delete ${u.email}`} busy={busyId === u.id} onConfirm={() => void remove(u)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          </div>
        )}
      </Card>
    </div>
  );
}

function AddUserForm({ onCreated, onCancel }: { onCreated: () => void; onCancel: () => void }) {
  const { sites } = useSites();
  const [email, setEmail] = useState('');
  // Site keys the new user becomes a member of; none chosen = the server's default (your sites if you are
  // limited to some, else none).
  const [memberOf, setMemberOf] = useState<string[]>([]);
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
          await unwrap(api.POST('/api/v1/users', { body: { email: email.trim(), password, role, sites: role !== 'admin' && memberOf.length > 0 ? memberOf : null } }));
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
      {role !== 'admin' && (sites ?? []).length > 0 && (
        <Field label="Member of" hint="The sites they can see. Admins see every site.">
          <div className="checkbox-list">
            {(sites ?? []).map((s) => (
              <label key={s.id} className="checkbox">
                <input
                  type="checkbox"
                  checked={memberOf.includes(s.key)}
                  onChange={(e) => setMemberOf((list) => (e.target.checked ? [...list, s.key] : list.filter((k) => k !== s.key)))}
                />
                <span>{s.name}</span>
              </label>
            ))}
          </div>
        </Field>
      )}
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
