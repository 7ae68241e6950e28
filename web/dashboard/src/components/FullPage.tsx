import { Logo } from './Icon';
import { Spinner } from './ui';

export function FullPageLoading() {
  return (
    <div className="fullpage" aria-busy="true">
      <Logo size={36} />
      <Spinner size={18} />
    </div>
  );
}
