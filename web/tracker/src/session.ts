import { rid, store, type Store } from './util';

/** Idle time after which the next event starts a new session. */
export const IDLE_MS = 30 * 60 * 1000;
const SESSION_KEY = 'sl_s';
const VISITOR_KEY = 'sl_vid';

/**
 * Session id (22 random chars, sessionStorage, renewed after 30 min idle), the batch counter
 * `seq` of that session and its replay sampling decision (persisted with it), and the optional
 * persistent visitor id.
 */
export class Session {
  id = '';
  last = 0;
  n = 0;
  vid: string | null;
  /** Session replay sampling decision of this session (1 in, 0 out), made once per session. */
  r?: number;
  private _ss: Store;
  private _ls: Store;

  constructor(persistent: boolean) {
    this._ss = store('sessionStorage');
    this._ls = store('localStorage');
    try {
      // (JSON.parse(null) is null: nothing stored)
      const s = JSON.parse(this._ss.get(SESSION_KEY) as string);
      if (s && typeof s.i === 'string') {
        this.id = s.i;
        this.last = +s.l || 0;
        this.n = +s.n || 0;
        this.r = s.r;
      }
    } catch {
      /* corrupt: start afresh */
    }
    // A stored id means persistence was granted earlier (data-persistent or consent):
    // it stays in use until consent is withdrawn.
    this.vid = this._ls.get(VISITOR_KEY);
    if (persistent) this.consent(true);
  }

  /** Records activity at `t`: a new session (saved) when there is none or it has been idle too long. */
  touch(t: number): void {
    if (!this.id || t - this.last > IDLE_MS) {
      this.id = rid();
      this.n = 0;
      this.r = undefined;
      this.last = t;
      this.save();
    } else this.last = Math.max(this.last, t);
  }

  /** Takes the next batch number of the session. */
  seq(): number {
    const s = this.n++;
    this.save();
    return s;
  }

  save(): void {
    this._ss.set(SESSION_KEY, JSON.stringify({ i: this.id, l: this.last, n: this.n, r: this.r }));
  }

  /** Persistent visitor id on consent; cookieless (`null`, stored id deleted) on refusal. */
  consent(granted: boolean): void {
    // (a stored id is written again as it is)
    this._ls.set(VISITOR_KEY, (this.vid = granted ? this._ls.get(VISITOR_KEY) || rid() : null));
  }
}
