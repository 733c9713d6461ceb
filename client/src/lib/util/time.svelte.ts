/** A clock that ticks every 30 s, so relative times ("3 min ago") stay current. */
class Clock {
  now = $state(Date.now());
  #listeners = 0;
  #timer: ReturnType<typeof setInterval> | null = null;

  /** Call from an $effect; returns the cleanup. */
  use(): () => void {
    this.#listeners++;
    if (this.#timer === null) this.#timer = setInterval(() => (this.now = Date.now()), 30_000);
    return () => {
      this.#listeners--;
      if (this.#listeners === 0 && this.#timer !== null) {
        clearInterval(this.#timer);
        this.#timer = null;
      }
    };
  }
}

export const clock = new Clock();

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatRelative(at: number, now: number): string {
  const seconds = Math.round((at - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return relative.format(Math.round(seconds / 3600), 'hour');
  // Future dates (expiries) stay relative for a month; past ones turn into dates after a week.
  if (abs < (seconds > 0 ? 31 : 7) * 86_400) return relative.format(Math.round(seconds / 86_400), 'day');
  return absolute.format(at);
}

export function formatAbsolute(at: number): string {
  return absolute.format(at);
}
