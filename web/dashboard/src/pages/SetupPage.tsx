// First run: create the admin account (POST /api/v1/setup), which also logs in.
import { useState } from 'react';
import { Navigate, useNavigate } from 'react-router';
import { ApiError, errorMessage } from '../api/client';
import { Field, InlineMessage, Spinner } from '../components/ui';
import { FullPageLoading } from '../components/FullPage';
import { useAuth } from '../state/auth';
import { AuthLayout } from './AuthLayout';

export const MIN_PASSWORD = 10;

export function SetupPage() {
  const { state, setup, recheck } = useAuth();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (state.status === 'loading') return <FullPageLoading />;
  if (state.status === 'authed') return <Navigate to="/" replace />;
  if (state.status === 'anon') return <Navigate to="/login" replace />;

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (password.length < MIN_PASSWORD) return setError(`The password needs at least ${MIN_PASSWORD} characters.`);
    if (password !== confirm) return setError('The two passwords differ.');
    setBusy(true);
    setError(null);
    try {
      await setup(email.trim(), password);
      navigate('/', { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'already_set_up') {
        recheck();
        return;
      }
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthLayout
      title="Welcome to Sightline"
      subtitle="Create the admin account for this server. You can invite other people afterwards."
      footer="Your data stays on this server."
    >
      {state.status === 'error' && <InlineMessage kind="error">{state.message}</InlineMessage>}
      <form className="form" onSubmit={submit} noValidate>
        <Field label="Email" htmlFor="setup-email">
          <input id="setup-email" className="input" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
        </Field>
        <Field label="Password" htmlFor="setup-password" hint={`At least ${MIN_PASSWORD} characters.`}>
          <input id="setup-password" className="input" type="password" autoComplete="new-password" required minLength={MIN_PASSWORD} value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        <Field label="Confirm password" htmlFor="setup-confirm">
          <input id="setup-confirm" className="input" type="password" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} />
        </Field>
        {error && <InlineMessage kind="error">{error}</InlineMessage>}
        <button type="submit" className="btn btn-primary btn-block btn-lg" disabled={busy || !email.trim() || !password}>
          {busy && <Spinner />} Create admin account
        </button>
      </form>
    </AuthLayout>
  );
}
