/**
 * The demo board's content: the reference case's shape (four categories, 28 points, four
 * stakeholders) with neutral working titles. It is deliberately NOT the real plan text, and
 * the board says so on screen.
 */
export const DEMO_BOARD_ID = 'demo';

export const DEMO_TITLE = 'Illustrative demo: 28-point framework';

export const DEMO_DESCRIPTION =
  'An illustrative demo board with neutral working titles and placeholder text. ' +
  'It shows the shape of a multi-party framework review; it is not the real plan text.';

export const DEMO_CATEGORIES: readonly { title: string; points: readonly string[] }[] = [
  {
    title: 'Peace in Ukraine',
    points: [
      'Ceasefire arrangements',
      'Line of contact and monitoring',
      'Exchange of prisoners and detainees',
      'Return of civilians',
      'Humanitarian access',
      'Demining and unexploded ordnance',
      'Reconstruction framework',
      'Elections timetable',
    ],
  },
  {
    title: 'Security guarantees',
    points: [
      'Scope of guarantees',
      'Guarantor states',
      'Verification mechanism',
      'Armed forces ceilings',
      'Consultation in case of violation',
      'Duration and review',
      'Status of foreign forces',
    ],
  },
  {
    title: 'Security across Europe',
    points: [
      'Non-aggression commitments',
      'Arms control dialogue',
      'Military exercises notification',
      'Nuclear safety of facilities',
      'Energy infrastructure protection',
      'Sanctions sequencing',
      'Frozen assets',
    ],
  },
  {
    title: 'Future US relations with Russia and Ukraine',
    points: [
      'Economic cooperation with Ukraine',
      'Trade normalisation steps',
      'Diplomatic channels',
      'Implementation council',
      'Amnesty and accountability',
      'Cultural and educational exchange',
    ],
  },
];

export function demoPointBody(title: string): string {
  return `Working text for "${title}". Placeholder wording for the demo: replace with the drafting team's proposal and discuss it with each delegation.`;
}
