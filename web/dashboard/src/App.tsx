// Routing and the auth gate: first run -> /setup, not logged in -> /login, otherwise the shell. A move to or
// from a replay page loads a new document (DocumentScope: each has its own CSP).
import type { ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { DocumentScope } from './components/DocumentScope';
import { Shell } from './components/Shell';
import { FullPageLoading } from './components/FullPage';
import { ErrorBox } from './components/ui';
import { LoginPage } from './pages/LoginPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { SetupPage } from './pages/SetupPage';
import { HomeRedirect } from './pages/HomeRedirect';
import { ROUTES } from './routes';
import { AuthProvider, useAuth } from './state/auth';
import { SitesProvider } from './state/sites';
import { SuggestionsProvider } from './state/suggestions';

function RequireAuth({ children }: { children: ReactNode }) {
  const { state, recheck } = useAuth();
  const location = useLocation();
  switch (state.status) {
    case 'loading':
      return <FullPageLoading />;
    case 'setup':
      return <Navigate to="/setup" replace />;
    case 'anon': {
      const next = location.pathname + location.search;
      const params = new URLSearchParams();
      if (next !== '/') params.set('next', next);
      if (state.reason === 'expired') params.set('expired', '1');
      const q = params.toString();
      return <Navigate to={`/login${q ? `?${q}` : ''}`} replace />;
    }
    case 'error':
      return (
        <div className="fullpage">
          <div className="fullpage-card">
            <ErrorBox title="Sightline is not reachable" message={state.message} onRetry={recheck} />
          </div>
        </div>
      );
    case 'authed':
      return <>{children}</>;
  }
}

export function App() {
  return (
    <BrowserRouter>
      <DocumentScope>
        <AuthProvider>
          <Routes>
            <Route path="/setup" element={<SetupPage />} />
            <Route path="/login" element={<LoginPage />} />
            <Route
              element={
                <RequireAuth>
                  <SitesProvider>
                    <SuggestionsProvider>
                      <Shell />
                    </SuggestionsProvider>
                  </SitesProvider>
                </RequireAuth>
              }
            >
              <Route index element={<HomeRedirect />} />
              {ROUTES.map((r) => (
                <Route key={r.path} path={r.path} element={<r.component />} />
              ))}
              <Route path="*" element={<NotFoundPage />} />
            </Route>
          </Routes>
        </AuthProvider>
      </DocumentScope>
    </BrowserRouter>
  );
}
