import { messageOf } from './versions.svelte.ts';

/**
 * One thing the versions page fetches for a key (a comparison for `from`/`to`, a version's
 * board for its id): the answer for the key asked last, never an older one that arrived late.
 */
export class KeyedLoad<T> {
  value = $state.raw<T | null>(null);
  /** The key `value` answers. */
  key = $state<string | null>(null);
  loading = $state(false);
  /** Counts answers, so a fetch again for the same key is noticed too. */
  loads = $state(0);
  error = $state<string | null>(null);

  readonly #fetch: (key: string) => Promise<T>;
  #asked: string | null = null;
  #generation = 0;

  constructor(fetch: (key: string) => Promise<T>) {
    this.#fetch = fetch;
  }

  /** Fetches for `key` unless that is what is shown or asked already (`force`: again anyway). */
  async load(key: string, force = false): Promise<void> {
    if (!force && key === this.#asked) return;
    this.#asked = key;
    const generation = ++this.#generation;
    this.loading = true;
    try {
      const value = await this.#fetch(key);
      if (generation !== this.#generation) return;
      this.value = value;
      this.key = key;
      this.error = null;
      this.loads++;
    } catch (err) {
      if (generation !== this.#generation) return;
      this.error = messageOf(err);
      // A failed key may be asked again (Retry).
      this.#asked = null;
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }
}
