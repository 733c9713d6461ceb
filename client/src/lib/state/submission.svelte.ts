/** A form's submission: one at a time, with what went wrong kept for the form to show. */
export class Submission {
  busy = $state(false);
  error = $state<string | null>(null);

  /**
   * `invalid` returns a message when the input cannot be sent; otherwise `action` runs, and
   * an error it throws becomes `error`.
   */
  async run(event: SubmitEvent, invalid: () => string | null, action: () => Promise<void>): Promise<void> {
    event.preventDefault();
    if (this.busy) return;
    this.error = invalid();
    if (this.error) return;
    this.busy = true;
    try {
      await action();
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    } finally {
      this.busy = false;
    }
  }
}
