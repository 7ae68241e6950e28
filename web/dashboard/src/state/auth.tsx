// Who is logged in. On start: GET /setup (first run?) then GET /me. The session itself is an HttpOnly
// cookie the SPA never sees; what it keeps is the user and the CSRF token for state-changing requests.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, api, onUnauthorized, setCsrfToken, unwrap } from '../api/client';
import type { Me, User } from '../api/types';

export type AuthState =
  | { status: 'loading' }
  | { status: 'setup' }
  | { status: 'anon'; reason?: 'expired' | 'logged_out' }
  | { status: 'authed'; user: User }
  | { status: 'error'; message: string };

interface AuthApi {
  state: AuthState;
  login: (email: string, password: string) => Promise<void>;
  setup: (email: string, password: string) => Promise<void>;
  logout: (everywhere?: boolean) => Promise<void>;
  recheck: () => void;
}

const AuthContext = createContext<AuthApi | null>(null);

async function checkSession(): Promise<AuthState> {
  const setup = await unwrap(api.GET('/api/v1/setup'));
  if (setup.needs_setup) return { status: 'setup' };
  try {
    const me = await unwrap(api.GET('/api/v1/me'));
    setCsrfToken(me.csrf_token);
    return { status: 'authed', user: me.user };
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return { status: 'anon' };
    throw e;
  }
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ status: 'loading' });
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let live = true;
    checkSession()
      .then((s) => live && setState(s))
      .catch((e: unknown) => live && setState({ status: 'error', message: e instanceof Error ? e.message : String(e) }));
    return () => {
      live = false;
    };
  }, [tick]);

  useEffect(() => {
    // A 401 anywhere: the session is gone. Ask again (first run → /setup, otherwise → /login).
    onUnauthorized(() => {
      setCsrfToken(null);
      setState((s) => (s.status === 'authed' ? { status: 'anon', reason: 'expired' } : s));
      setTick((t) => t + 1);
    });
    return () => onUnauthorized(null);
  }, []);

  const signedIn = useCallback((me: Me) => {
    setCsrfToken(me.csrf_token);
    setState({ status: 'authed', user: me.user });
  }, []);

  const login = useCallback(
    async (email: string, password: string) => {
      signedIn(await unwrap(api.POST('/api/v1/login', { body: { email, password } })));
    },
    [signedIn],
  );

  const setup = useCallback(
    async (email: string, password: string) => {
      signedIn(await unwrap(api.POST('/api/v1/setup', { body: { email, password } })));
    },
    [signedIn],
  );

  const logout = useCallback(async (everywhere = false) => {
    try {
      if (everywhere) await unwrap(api.POST('/api/v1/logout-everywhere'));
      else await unwrap(api.POST('/api/v1/logout'));
    } catch (e) {
      // Already logged out: fine. Anything else is shown by the caller.
      if (!(e instanceof ApiError && e.status === 401)) throw e;
    }
    setCsrfToken(null);
    setState({ status: 'anon', reason: 'logged_out' });
  }, []);

  const recheck = useCallback(() => {
    setState({ status: 'loading' });
    setTick((t) => t + 1);
  }, []);

  const value = useMemo(() => ({ state, login, setup, logout, recheck }), [state, login, setup, logout, recheck]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthApi {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}

/** The logged-in user (only inside the authenticated shell). */
export function useUser(): User {
  const { state } = useAuth();
  if (state.status !== 'authed') throw new Error('useUser without a logged-in user');
  return state.user;
}
