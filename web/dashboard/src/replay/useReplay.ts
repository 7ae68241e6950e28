// The replay page's player state: loads the chunks progressively (lib/chunkLoader.ts) while the player
// module (rrweb) downloads, creates the player as soon as both are there, appends later chunks, and
// exposes play/pause/seek/speed/skip plus the player's clock (polled 10×/s while mounted).
//
// Seeking past what has been loaded waits for the chunk that covers the moment; reaching the end of the
// loaded events while more are coming resumes by itself when they arrive.
import { useCallback, useEffect, useRef, useState, type RefObject } from 'react';
import { api, errorMessage } from '../api/client';
import type { ReplayChunk } from '../api/types';
import { ChunkLoadError, RR_FULL_SNAPSHOT, apiReplaySource, loadReplay, type RrwebEvent } from '../lib/chunkLoader';
import type { PlayerHandle } from './player';

export type ReplayPhase = 'loading' | 'ready' | 'none' | 'error';

export const SPEEDS: readonly number[] = [1, 2, 4, 8];

export interface ReplayState {
  phase: ReplayPhase;
  /** Why there is nothing to play (phase none/error). */
  error: string | null;
  /** Part of the recording could not be loaded (what came before it plays). */
  warning: string | null;
  index: readonly ReplayChunk[] | null;
  /** Timestamp (ms) of the player's first event: player time 0. */
  replayStart: number | null;
  /** Timestamps of the full snapshots loaded so far (where each page's recording can be shown from). */
  snapshots: readonly number[];
  progress: { loaded: number; total: number };
  done: boolean;
  /** Player clock (ms from replayStart). */
  time: number;
  /** Length of what has been loaded (ms). */
  loadedTime: number;
  playing: boolean;
  /** Waiting for a chunk (seek past the loaded part, or the end of it reached while loading). */
  buffering: boolean;
  skipping: boolean;
  speed: number;
  skipInactive: boolean;
}

export interface ReplayControls {
  play(): void;
  pause(): void;
  toggle(): void;
  /** Player ms; keeps playing or paused. */
  seek(ms: number, opts?: { play?: boolean }): void;
  setSpeed(speed: number): void;
  setSkipInactive(skip: boolean): void;
  /** The player's iframe (tests and screenshots), once created. */
  player: PlayerHandle | null;
}

/** Fits the recorded viewport into the stage's width (and at most `maxHeight`), centred. */
function fit(stage: HTMLElement, player: PlayerHandle, maxHeight: number): void {
  const wrapper = stage.querySelector<HTMLElement>('.replayer-wrapper');
  if (!wrapper) return;
  const { width, height } = player.size();
  const avail = stage.parentElement?.clientWidth ?? stage.clientWidth;
  if (!width || !height || !avail) return;
  const scale = Math.min(1, avail / width, maxHeight / height);
  wrapper.style.transform = `scale(${scale})`;
  wrapper.style.transformOrigin = '0 0';
  wrapper.style.position = 'absolute';
  wrapper.style.top = '0';
  wrapper.style.left = `${Math.max(0, (avail - width * scale) / 2)}px`;
  stage.style.height = `${Math.round(height * scale)}px`;
}

export function useReplay(site: string, session: string, stageRef: RefObject<HTMLDivElement | null>): [ReplayState, ReplayControls] {
  const [phase, setPhase] = useState<ReplayPhase>('loading');
  const [error, setError] = useState<string | null>(null);
  const [warning, setWarning] = useState<string | null>(null);
  const [index, setIndex] = useState<readonly ReplayChunk[] | null>(null);
  const [replayStart, setReplayStart] = useState<number | null>(null);
  const [snapshots, setSnapshots] = useState<readonly number[]>([]);
  const [progress, setProgress] = useState({ loaded: 0, total: 0 });
  const [done, setDone] = useState(false);
  const [player, setPlayer] = useState<PlayerHandle | null>(null);
  const [clock, setClock] = useState({ time: 0, loadedTime: 0, playing: false });
  /** Waiting for chunks, and whether playback goes on when they come. */
  const [waiting, setWaiting] = useState<null | 'play' | 'pause'>(null);
  const [skipping, setSkipping] = useState(false);
  const [speed, setSpeedState] = useState(1);
  const [skipInactive, setSkipInactiveState] = useState(true);

  const playerRef = useRef<PlayerHandle | null>(null);
  const doneRef = useRef(false);
  /** A seek waiting for more chunks: player ms, and whether to play from there. */
  const pendingRef = useRef<{ ms: number; play: boolean } | null>(null);
  const settingsRef = useRef({ speed: 1, skipInactive: true });
  /** Whether the viewer wants it playing (rrweb also reports "finish" after a paused seek to the end). */
  const intentRef = useRef(false);

  useEffect(() => {
    const stage = stageRef.current;
    if (!stage) return;
    const ctrl = new AbortController();
    let created: PlayerHandle | null = null;
    let initial: RrwebEvent[] | null = null;
    const later: RrwebEvent[] = [];
    let mod: typeof import('./player') | null = null;
    doneRef.current = false;
    pendingRef.current = null;
    const noteSnapshots = (events: readonly RrwebEvent[]) => {
      const fs = events.filter((e) => e.type === RR_FULL_SNAPSHOT).map((e) => e.timestamp);
      if (fs.length) setSnapshots((prev) => [...prev, ...fs]);
    };

    const maxHeight = () => Math.max(320, Math.round(window.innerHeight * 0.68));
    // refit on width changes only: fitting sets the stage's height, which would report again
    let lastWidth = -1;
    const ro = new ResizeObserver((entries) => {
      const width = Math.round(entries[0]?.contentRect.width ?? 0);
      if (width === lastWidth || !created) return;
      lastWidth = width;
      fit(stage, created, maxHeight());
    });
    if (stage.parentElement) ro.observe(stage.parentElement);

    /** After events were added: apply a waiting seek (or resume at the old end) once the chunks cover it. */
    const afterAppend = () => {
      const p = created;
      if (!p) return;
      const pending = pendingRef.current;
      if (pending && (p.totalTime() + 1 >= pending.ms || doneRef.current)) {
        pendingRef.current = null;
        setWaiting(null);
        if (pending.play) p.play(Math.min(pending.ms, p.totalTime() + 1));
        else p.pause(Math.min(pending.ms, p.totalTime() + 1));
      }
    };

    const create = () => {
      if (created || !mod || !initial || ctrl.signal.aborted) return;
      try {
        created = mod.createPlayer(stage, initial.concat(later), {
          speed: settingsRef.current.speed,
          skipInactive: settingsRef.current.skipInactive,
          onFinish: () => {
            if (!intentRef.current) return;
            if (doneRef.current) {
              intentRef.current = false; // the end
            } else {
              // more is coming: go on from here when it arrives
              pendingRef.current ??= { ms: created?.totalTime() ?? 0, play: true };
              setWaiting('play');
            }
          },
          onSkip: setSkipping,
          onResize: () => created && fit(stage, created, maxHeight()),
        });
      } catch (e) {
        setError(errorMessage(e));
        setPhase('error');
        return;
      }
      later.length = 0;
      playerRef.current = created;
      fit(stage, created, maxHeight());
      setPlayer(created);
      setPhase('ready');
    };

    import('./player')
      .then((m) => {
        mod = m;
        create();
      })
      .catch(() => {
        if (ctrl.signal.aborted) return;
        setError('The replay player could not be loaded. Reload the page to try again.');
        setPhase('error');
      });

    loadReplay(
      apiReplaySource(api, site, session),
      {
        onIndex: (chunks) => {
          setIndex(chunks);
          setProgress({ loaded: 0, total: chunks.length });
        },
        onReady: (events) => {
          noteSnapshots(events);
          initial = events;
          setReplayStart(events[0]!.timestamp);
          create();
        },
        onAppend: (events) => {
          noteSnapshots(events);
          if (created) {
            created.addEvents(events);
            // addEvent is applied in a microtask
            void Promise.resolve().then(afterAppend);
          } else {
            later.push(...events);
          }
        },
        onProgress: (loaded, total) => setProgress({ loaded, total }),
      },
      { signal: ctrl.signal },
    )
      .then(() => {
        doneRef.current = true;
        setDone(true);
        void Promise.resolve().then(afterAppend);
      })
      .catch((e: unknown) => {
        if (ctrl.signal.aborted) return;
        doneRef.current = true;
        setDone(true);
        if ((e as { status?: number })?.status === 404) {
          setPhase('none');
          setError('This session has no replay.');
        } else if (e instanceof ChunkLoadError && initial) {
          setWarning(`${e.message} The replay stops there.`);
          void Promise.resolve().then(afterAppend);
        } else {
          setPhase('error');
          setError(errorMessage(e));
        }
      });

    return () => {
      ctrl.abort();
      ro.disconnect();
      created?.destroy();
      created = null;
      playerRef.current = null;
      setPlayer(null);
    };
  }, [site, session, stageRef]);

  // the player's clock, 10×/s
  useEffect(() => {
    if (!player) return;
    const tick = () => setClock({ time: player.currentTime(), loadedTime: player.totalTime(), playing: player.isPlaying() });
    tick();
    const id = window.setInterval(tick, 100);
    return () => window.clearInterval(id);
  }, [player]);

  const seek = useCallback((ms: number, opts: { play?: boolean } = {}) => {
    const p = playerRef.current;
    if (!p) return;
    const play = opts.play ?? intentRef.current;
    intentRef.current = play;
    const target = Math.max(0, ms);
    // the player draws events strictly before the time it is given: +1 ms shows the last one too
    const end = p.totalTime() + 1;
    if (target > end && !doneRef.current) {
      // not loaded yet: show the last loaded moment and wait
      pendingRef.current = { ms: target, play };
      setWaiting(play ? 'play' : 'pause');
      p.pause(p.totalTime());
    } else {
      pendingRef.current = null;
      setWaiting(null);
      const at = Math.min(target, end);
      if (play) p.play(at);
      else p.pause(at);
    }
    setClock({ time: Math.min(target, p.totalTime()), loadedTime: p.totalTime(), playing: play });
  }, []);

  const controls: ReplayControls = {
    player,
    play: () => {
      const p = playerRef.current;
      if (!p) return;
      // at the end: start over
      const at = doneRef.current && p.currentTime() >= p.totalTime() - 50 ? 0 : p.currentTime();
      seek(at, { play: true });
    },
    pause: () => {
      const p = playerRef.current;
      if (!p) return;
      pendingRef.current = pendingRef.current ? { ...pendingRef.current, play: false } : null;
      intentRef.current = false;
      setWaiting(pendingRef.current ? 'pause' : null);
      p.pause();
      setClock((c) => ({ ...c, playing: false }));
    },
    toggle: () => {
      const p = playerRef.current;
      if (!p) return;
      if (intentRef.current) controls.pause();
      else controls.play();
    },
    seek,
    setSpeed: (s) => {
      settingsRef.current.speed = s;
      setSpeedState(s);
      playerRef.current?.setSpeed(s);
    },
    setSkipInactive: (skip) => {
      settingsRef.current.skipInactive = skip;
      setSkipInactiveState(skip);
      playerRef.current?.setSkipInactive(skip);
    },
  };

  return [
    {
      phase,
      error,
      warning,
      index,
      replayStart,
      snapshots,
      progress,
      done,
      time: clock.time,
      loadedTime: clock.loadedTime,
      playing: clock.playing || waiting === 'play',
      buffering: waiting !== null,
      skipping,
      speed,
      skipInactive,
    },
    controls,
  ];
}
