// The rrweb replayer behind a small handle. This module (and rrweb with it) is loaded lazily: only the
// replay page imports it, with `import('../replay/player')`.
//
// Safety: rrweb rebuilds the recorded page inside an <iframe sandbox="allow-same-origin"> — same origin so
// the player can draw into it, no `allow-scripts`, so nothing recorded (a <script>, an onerror=, a
// javascript: link) can run. `UNSAFE_replayCanvas` (which adds allow-scripts) stays off, and the frame's
// sandbox is checked after creation: a player whose frame could run scripts is destroyed, not used.
// The frame inherits the replay page's CSP: recorded images and fonts load only from the recorded site's
// own origins (the server's policy for /sites/:site/replay/…), never from any other host.
import { Replayer } from '@rrweb/replay';
import '@rrweb/replay/dist/style.css';
import type { RrwebEvent } from '../lib/chunkLoader';

type ReplayerEvents = ConstructorParameters<typeof Replayer>[0];

export interface PlayerOptions {
  speed?: number;
  skipInactive?: boolean;
  /** The player reached the end of the events it has. */
  onFinish?: () => void;
  /** Skipping an inactive stretch started (true) or ended (false). */
  onSkip?: (skipping: boolean) => void;
  /** The recorded viewport changed size (a Meta event). */
  onResize?: (width: number, height: number) => void;
}

export interface PlayerHandle {
  /** Plays from `at` (player ms), or from where it is. */
  play(at?: number): void;
  /** Pauses at `at` (player ms: draws that moment), or where it is. */
  pause(at?: number): void;
  isPlaying(): boolean;
  /** Player ms (from the first event). */
  currentTime(): number;
  /** Length of the events loaded so far (ms). */
  totalTime(): number;
  setSpeed(speed: number): void;
  setSkipInactive(skip: boolean): void;
  addEvents(events: readonly RrwebEvent[]): void;
  /** The recorded viewport size. */
  size(): { width: number; height: number };
  iframe(): HTMLIFrameElement;
  destroy(): void;
}

/** True when an iframe's sandbox lets nothing run: the attribute is present and has no allow-scripts. */
export function isScriptFree(iframe: HTMLIFrameElement): boolean {
  const attr = iframe.getAttribute('sandbox');
  if (attr === null) return false;
  return !attr.split(/\s+/).some((t) => t.toLowerCase() === 'allow-scripts');
}

/** Console output of rrweb while replaying (missing-node warnings on partial recordings) is dropped. */
const quietLogger = { log: () => undefined, warn: () => undefined } as unknown as Console;

export function createPlayer(root: HTMLElement, events: readonly RrwebEvent[], options: PlayerOptions = {}): PlayerHandle {
  const meta = events.find((e) => e.type === 4)?.data as { width?: number; height?: number } | undefined;
  let size = { width: meta?.width ?? 1280, height: meta?.height ?? 800 };
  const replayer = new Replayer(events as unknown as ReplayerEvents, {
    root,
    speed: options.speed ?? 1,
    skipInactive: options.skipInactive ?? true,
    UNSAFE_replayCanvas: false,
    mouseTail: { duration: 600, lineCap: 'round', lineWidth: 3, strokeStyle: 'rgba(79, 70, 229, 0.55)' },
    triggerFocus: false,
    showWarning: false,
    showDebug: false,
    pauseAnimation: true,
    logger: quietLogger,
  });
  if (!isScriptFree(replayer.iframe)) {
    replayer.destroy();
    throw new Error('The replay frame would allow scripts; refusing to play this recording.');
  }
  replayer.iframe.setAttribute('title', 'Session replay');
  replayer.on('finish', () => options.onFinish?.());
  replayer.on('skip-start', () => options.onSkip?.(true));
  replayer.on('skip-end', () => options.onSkip?.(false));
  replayer.on('resize', (d) => {
    const { width, height } = d as { width: number; height: number };
    size = { width, height };
    options.onResize?.(width, height);
  });
  // draw the first frame (the full snapshot) right away
  replayer.pause(0);

  const playing = () => replayer.service.state.matches('playing');
  return {
    play: (at) => replayer.play(at ?? replayer.getCurrentTime()),
    pause: (at) => (at === undefined ? replayer.pause() : replayer.pause(at)),
    isPlaying: playing,
    currentTime: () => Math.max(0, Math.min(replayer.getCurrentTime(), replayer.getMetaData().totalTime)),
    totalTime: () => replayer.getMetaData().totalTime,
    setSpeed(speed) {
      const wasPlaying = playing();
      const at = replayer.getCurrentTime();
      if (wasPlaying) replayer.pause();
      replayer.setConfig({ speed });
      if (wasPlaying) replayer.play(at);
    },
    setSkipInactive: (skip) => replayer.setConfig({ skipInactive: skip }),
    addEvents(list) {
      for (const e of list) replayer.addEvent(e as unknown as ReplayerEvents[number]);
    },
    size: () => size,
    iframe: () => replayer.iframe,
    destroy() {
      try {
        replayer.destroy();
      } catch {
        /* already detached */
      }
    },
  };
}
