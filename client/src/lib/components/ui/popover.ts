/**
 * The behaviour every popover menu shares (the board, account and "⋯" actions menus), so
 * they close and move focus alike.
 */

/**
 * While a popover is open: a pointer down outside `root` closes it, and Escape closes it and
 * gives focus back to its trigger. Escape is taken in the capture phase and stopped, so it
 * closes only the popover and not what the popover sits in (the open point, a dialog).
 * Returns the cleanup, for the `$effect` that runs while the popover is open.
 */
export function dismissOnOutsideOrEscape(
  root: HTMLElement | undefined,
  close: (refocusTrigger: boolean) => void,
): () => void {
  const onPointer = (event: PointerEvent) => {
    if (root && !root.contains(event.target as Node)) close(false);
  };
  const onKey = (event: KeyboardEvent) => {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    event.stopPropagation();
    close(true);
  };
  document.addEventListener('pointerdown', onPointer);
  document.addEventListener('keydown', onKey, true);
  return () => {
    document.removeEventListener('pointerdown', onPointer);
    document.removeEventListener('keydown', onKey, true);
  };
}

/** The menu's items, in order. */
export function menuItems(menu: HTMLElement | undefined): HTMLElement[] {
  return Array.from(menu?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? []);
}

/**
 * A keydown in a role=menu list: ↑/↓ move between its items (wrapping), Home and End go to
 * the first and last, Tab leaves and closes it (`onTab`), as the ARIA menu pattern has it.
 */
export function moveInMenu(event: KeyboardEvent, menu: HTMLElement | undefined, onTab: () => void): void {
  const list = menuItems(menu);
  if (list.length === 0) return;
  const at = list.indexOf(document.activeElement as HTMLElement);
  let next: number;
  if (event.key === 'ArrowDown') next = (at + 1) % list.length;
  else if (event.key === 'ArrowUp') next = (at - 1 + list.length) % list.length;
  else if (event.key === 'Home') next = 0;
  else if (event.key === 'End') next = list.length - 1;
  else {
    if (event.key === 'Tab') onTab();
    return;
  }
  event.preventDefault();
  list[next]?.focus();
}
