import { Link } from 'react-router';
import { EmptyState } from '../components/ui';

export function NotFoundPage() {
  return (
    <EmptyState icon="alert" title="Page not found">
      <p>This address does not match any page of the dashboard.</p>
      <p>
        <Link to="/">Go to the overview</Link>
      </p>
    </EmptyState>
  );
}
