import type { Action } from 'svelte/action';

export interface FloatingOptions {
  /** What the popup sits against. */
  readonly anchor: HTMLElement | undefined;
  /** Where it goes when there is room; it flips to the other side when there is not. */
  readonly side: 'below' | 'above';
}

const GAP = 4;

/**
 * Shows a small popup (the mention list, the reaction picker) in the top layer, as a manual
 * popover placed against its anchor. Threads and comments skip painting what is off screen
 * (content-visibility), which also clips whatever overflows them, so a popup inside one
 * would be cut off; lifting the containment while it is open moved the layout under the
 * pointer instead. The popup stays where it is in the DOM (reading order, aria-controls,
 * a click on it is inside its component) and follows scrolling and resizing.
 */
export const floating: Action<HTMLElement, FloatingOptions> = (node, initial) => {
  let options = initial;
  let frame = 0;

  const place = () => {
    frame = 0;
    const at = options.anchor?.getBoundingClientRect();
    if (!at) return;
    const height = node.offsetHeight;
    const width = node.offsetWidth;
    const below = at.bottom + GAP;
    const above = at.top - GAP - height;
    const fitsBelow = below + height <= window.innerHeight;
    const fitsAbove = above >= 0;
    const top =
      options.side === 'below' ? (fitsBelow || !fitsAbove ? below : above) : fitsAbove || !fitsBelow ? above : below;
    const left = Math.max(GAP, Math.min(at.left, window.innerWidth - width - GAP));
    node.style.top = `${Math.round(top)}px`;
    node.style.left = `${Math.round(left)}px`;
  };
  const request = () => {
    if (frame === 0) frame = requestAnimationFrame(place);
  };

  node.setAttribute('popover', 'manual');
  node.showPopover();
  place();
  // Its own size changes too (the mention list narrows as one types).
  const resized = new ResizeObserver(request);
  resized.observe(node);
  window.addEventListener('scroll', request, true);
  window.addEventListener('resize', request);
  return {
    update(next) {
      options = next;
      request();
    },
    destroy() {
      cancelAnimationFrame(frame);
      resized.disconnect();
      window.removeEventListener('scroll', request, true);
      window.removeEventListener('resize', request);
      if (node.isConnected) node.hidePopover();
    },
  };
};
