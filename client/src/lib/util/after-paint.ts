/** However long the next frame takes to come (a hidden tab has none), deferred work waits no longer. */
const LATEST_MS = 100;

/**
 * Resolves once the next frame has painted (at the latest LATEST_MS from now): for work the
 * first screen should not wait for.
 */
export function nextPaint(): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, LATEST_MS);
    requestAnimationFrame(() =>
      setTimeout(() => {
        clearTimeout(timer);
        resolve();
      }, 0),
    );
  });
}

/**
 * Work a keystroke causes that the screen does not wait for (writing the local copy, the
 * unsaved-changes count), run once the frame that shows the keystroke has painted, and
 * gathered: however many times it is asked for before then, it runs once.
 *
 * A task queued from a requestAnimationFrame callback runs after that frame's paint. The
 * work also runs at once when the page is being hidden or left (`pagehide`,
 * `visibilitychange`), so closing the tab right after typing loses nothing.
 */
export class AfterPaint {
  #pending = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #destroyed = false;

  constructor(private readonly work: () => void) {
    addEventListener('pagehide', this.flush);
    document.addEventListener('visibilitychange', this.#onVisibility);
  }

  /** Asks for the work to run after the next paint (once, however often it is asked). */
  request(): void {
    if (this.#pending || this.#destroyed) return;
    this.#pending = true;
    this.#timer = setTimeout(this.flush, LATEST_MS);
    requestAnimationFrame(() => setTimeout(this.flush, 0));
  }

  /** Runs the work now if it was asked for. */
  readonly flush = (): void => {
    if (!this.#pending) return;
    this.#pending = false;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
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
