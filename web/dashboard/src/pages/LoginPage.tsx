// Log in (POST /api/v1/login); shows the server's message for wrong credentials and rate limits.
import { useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { errorMessage } from '../api/client';
import { Field, InlineMessage, Spinner } from '../components/ui';
import { FullPageLoading } from '../components/FullPage';
import { safeNext } from '../lib/paths';
import { useAuth } from '../state/auth';
import { AuthLayout } from './AuthLayout';

export function LoginPage() {
  const { state, login } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (state.status === 'loading') return <FullPageLoading />;
  if (state.status === 'setup') return <Navigate to="/setup" replace />;
  if (state.status === 'authed' && !busy) return <Navigate to={next} replace />;

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email.trim(), password);
      navigate(next, { replace: true });
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <AuthLayout title="Log in" subtitle="Welcome back. Log in to see how people use your sites.">
      {params.get('expired') && !error && <InlineMessage kind="info">Your session has ended. Please log in again.</InlineMessage>}
      {state.status === 'anon' && state.reason === 'logged_out' && !error && <InlineMessage kind="success">You have been logged out.</InlineMessage>}
      {state.status === 'error' && <InlineMessage kind="error">{state.message}</InlineMessage>}
      <form className="form" onSubmit={submit}>
        <Field label="Email" htmlFor="login-email">
          <input id="login-email" className="input" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
        </Field>
        <Field label="Password" htmlFor="login-password">
          <input id="login-password" className="input" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        {error && <InlineMessage kind="error">{error}</InlineMessage>}
        <button type="submit" className="btn btn-primary btn-block btn-lg" disabled={busy || !email.trim() || !password}>
          {busy && <Spinner />} Log in
        </button>
      </form>
    </AuthLayout>
  );
}
