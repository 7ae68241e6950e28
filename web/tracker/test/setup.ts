// No test may reach the network: fetch and sendBeacon are replaced by recorders.
// Tests that need a fetch pass their own to the transport or stub window.fetch themselves.
import { afterEach, beforeEach } from 'vitest';

export const beacons: { url: string; type: string; text: Promise<string> }[] = [];

beforeEach(() => {
  beacons.length = 0;
  sessionStorage.clear();
  localStorage.clear();
  Object.defineProperty(navigator, 'sendBeacon', {
    configurable: true,
    writable: true,
    value: (url: string, data: Blob | string) => {
      const blob = typeof data == 'string' ? new Blob([data]) : data;
      beacons.push({ url, type: blob.type, text: blob.text() });
      return true;
    },
  });
  globalThis.fetch = window.fetch = async (input: RequestInfo | URL) => {
    throw new TypeError(`network disabled in tests: ${String((input as Request).url || input)}`);
  };
});

afterEach(() => {
  document.body.innerHTML = '';
});
