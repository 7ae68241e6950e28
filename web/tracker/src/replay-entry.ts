/**
 * Add-on build entry (dist/replay.js). The core tracker injects it for sessions sampled for
 * replay, or for a heatmap page snapshot (`s`), after setting `window.__sl_replay` (see hook.ts);
 * loaded any other way it does nothing.
 */
import { record } from '@rrweb/record';
import type { ReplayHook } from './hook';
import { startReplay, startSnapshot, type Recorder } from './replay';

const h = (window as unknown as { __sl_replay?: ReplayHook }).__sl_replay;
// `n` set: already running (the script was loaded twice)
if (h && !h.n) (h.s ? startSnapshot : startReplay)(h, record as unknown as Recorder);
