/**
 * Whether my "typing…" shows to the others (CONVUI6): on while a composer has unsent text
 * and focus, off ~3 s after the last keystroke, at once when the text is sent, emptied or
 * the composer loses focus. `publish` is called on changes only, so a keystroke that keeps
 * me typing sends no awareness message.
 */
export const TYPING_IDLE_MS = 3000;

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class TypingSignal {
  #on = false;
  #timer: unknown = null;
  readonly #publish: (typing: boolean) => void;
  readonly #idleMs: number;
  readonly #timers: Timers;

  constructor(publish: (typing: boolean) => void, idleMs = TYPING_IDLE_MS, timers: Timers = realTimers) {
    this.#publish = publish;
    this.#idleMs = idleMs;
    this.#timers = timers;
  }

  get typing(): boolean {
    return this.#on;
  }

  /** A keystroke (an input event) in the composer: `text` is what it holds now. */
  input(text: string, focused: boolean): void {
    this.#clearTimer();
    if (!focused || text.trim() === '') {
      this.#set(false);
      return;
    }
    this.#set(true);
    this.#timer = this.#timers.set(() => {
      this.#timer = null;
      this.#set(false);
    }, this.#idleMs);
  }

  /** The composer lost focus, its text was sent, or it closed. */
  stop(): void {
    this.#clearTimer();
    this.#set(false);
  }

  #set(on: boolean) {
    if (on === this.#on) return;
    this.#on = on;
    this.#publish(on);
  }

  #clearTimer() {
    if (this.#timer !== null) this.#timers.clear(this.#timer);
    this.#timer = null;
  }
}
