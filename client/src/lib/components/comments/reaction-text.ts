import type { Reaction } from '@parley/shared/model';

/** A reaction's name in words ('thumbs-up' → "thumbs up"), for labels and tooltips. */
export function reactionName(reaction: Reaction): string {
  return reaction.replace(/-/g, ' ');
}

/**
 * Who gave a reaction, as its tooltip says (CONVUI8): "You, Ann and Bob reacted with thumbs
 * up", me first as "You", then in the order they reacted; past six names, "and N others".
 * Someone whose name is not known yet (the member list not loaded) is "someone".
 */
export function reactedBy(
  reaction: Reaction,
  userIds: readonly string[],
  me: string,
  nameOf: (userId: string) => string | undefined,
): string {
  const names = [
    ...(userIds.includes(me) ? ['You'] : []),
    ...userIds.filter((id) => id !== me).map((id) => nameOf(id) || 'someone'),
  ];
  const shown = names.length > 7 ? [...names.slice(0, 6), `${names.length - 6} others`] : names;
  const list = shown.length > 1 ? `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}` : (shown[0] ?? '');
  return `${list} reacted with ${reactionName(reaction)}`;
}
