// The user menu: who is logged in, log out, log out everywhere.
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { errorMessage } from '../api/client';
import { ROLE_LABELS } from '../api/types';
import { useAuth, useUser } from '../state/auth';
import { Icon } from './Icon';
import { InlineMessage, Popover } from './ui';

export function UserMenu() {
  const user = useUser();
  const { logout } = useAuth();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const out = async (everywhere: boolean) => {
    setError(null);
    try {
      await logout(everywhere);
      navigate('/login', { replace: true });
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <Popover
      align="right"
      buttonClass="avatar-button"
      label="Account"
      button={
        <span className="avatar" data-testid="user-menu">
          {user.email.slice(0, 1).toUpperCase()}
        </span>
      }
      panelClass="user-panel"
    >
      {() => (
        <div>
          <div className="user-panel-head">
            <div className="user-email truncate">{user.email}</div>
            <div className="menu-sub">{ROLE_LABELS[user.role] ?? user.role}</div>
          </div>
          <ul className="menu-list" role="menu">
            <li>
              <button type="button" role="menuitem" className="menu-item" onClick={() => out(false)}>
                <span className="menu-item-main-row">
                  <Icon name="logout" size={14} /> Log out
                </span>
              </button>
            </li>
            <li>
              <button type="button" role="menuitem" className="menu-item" onClick={() => out(true)}>
                <span className="menu-item-main-row">
                  <Icon name="logout" size={14} /> Log out everywhere
                </span>
              </button>
            </li>
          </ul>
          {error && <InlineMessage kind="error">{error}</InlineMessage>}
        </div>
      )}
    </Popover>
  );
}
