/**
 * Snippet build entry (dist/t.js):
 *   <script defer src="https://HOST/t.js" data-site="KEY"></script>
 * Optional: data-endpoint, data-persistent="true", data-dnt="true", data-mask="selectors".
 * Calls made before load through the queue stub
 *   window.sightline = window.sightline || function(){(sightline.q=sightline.q||[]).push(arguments)}
 * are replayed in order.
 */
import { init, type Sightline } from './tracker';

type Cmd = ((name: string, ...args: unknown[]) => void) & { q?: Iterable<unknown>[]; v?: number };

(() => {
  const w = window as unknown as { sightline?: Cmd };
  if (w.sightline?.v) return; // loaded twice
  const s = (document.currentScript ||
    document.querySelector('script[data-site][src*="t.js"]')) as HTMLScriptElement | null;
  if (!s) return;
  // (names quoted below: the snippet build shortens these as option names, not as data attributes)
  const a = s.dataset;
  const site = a.site;
  if (!site) return;
  const origin = new URL(s.src, location.href).origin;
  const api: Sightline = init({
    site,
    endpoint: a['endpoint'] || origin + '/api/v1/batch',
    origin,
    persistent: a['persistent'] === 'true',
    dnt: a['dnt'] === 'true',
    mask: a['mask'],
  } as Parameters<typeof init>[0]);
  const q = w.sightline?.q || [];
  const cmd: Cmd = (name, ...args) => {
    const f = (api as unknown as Record<string, unknown>)[name];
    if (typeof f == 'function') f.apply(api, args);
  };
  cmd.v = 1;
  w.sightline = cmd;
  for (const args of q as Iterable<unknown>[]) cmd(...(args as [string, ...unknown[]]));
})();
