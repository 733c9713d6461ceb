/** However long the next frame takes to come (a hidden tab has none), deferred work waits no longer. */
const LATEST_MS = 100;

/**
 * Calls `run` once the next frame has painted (a task queued from a requestAnimationFrame
 * callback runs after that frame's paint), or LATEST_MS from now if no frame comes first.
 * Either way it runs once.
 */
function afterNextFrame(run: () => void): void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    run();
  };
  const timer = setTimeout(once, LATEST_MS);
  requestAnimationFrame(() => setTimeout(once, 0));
}

/** Resolves once the next frame has painted: for work the first screen should not wait for. */
export function nextPaint(): Promise<void> {
  return new Promise((resolve) => afterNextFrame(resolve));
}

/**
 * Work a keystroke causes that the screen does not wait for (writing the local copy, the
 * unsaved-changes count), run once the frame that shows the keystroke has painted, and
 * gathered: however many times it is asked for before then, it runs once.
 *
 * The work also runs at once when the page is being hidden or left (`pagehide`,
 * `visibilitychange`), so closing the tab right after typing loses nothing.
 */
export class AfterPaint {
  #pending = false;
  /** Which request a frame's callback answers: one that was flushed early (the page hid) is spent. */
  #request = 0;
  #destroyed = false;

  constructor(private readonly work: () => void) {
    addEventListener('pagehide', this.flush);
    document.addEventListener('visibilitychange', this.#onVisibility);
  }

  /** Asks for the work to run after the next paint (once, however often it is asked). */
  request(): void {
    if (this.#pending || this.#destroyed) return;
    this.#pending = true;
    const request = ++this.#request;
    afterNextFrame(() => {
      if (request === this.#request) this.flush();
    });
  }

  /** Runs the work now if it was asked for. */
  readonly flush = (): void => {
    if (!this.#pending) return;
    this.#pending = false;
    this.work();
  };

  /** Runs what is pending, then stops. */
  destroy(): void {
    this.flush();
    this.#destroyed = true;
    removeEventListener('pagehide', this.flush);
    document.removeEventListener('visibilitychange', this.#onVisibility);
  }

  readonly #onVisibility = (): void => {
    if (document.visibilityState === 'hidden') this.flush();
  };
}
