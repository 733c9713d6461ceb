/**
 * axe-core in a page under test: the app's CSP forbids inline scripts, so the source is
 * evaluated through the debugging protocol, which leaves the page's policy as users have it.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; summary: string }[];
}

/** axe's WCAG 2 A/AA violations on the page as it stands. */
export async function axeViolations(page: Page): Promise<Violation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) {
    // The app's CSP forbids inline scripts, so page.addScriptTag({ content }) is refused
    // (the context would have to bypass CSP); evaluating the source through the debugging
    // protocol is not subject to it and leaves the page's policy as users have it.
    await page.evaluate(AXE_SOURCE);
  }
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            ctx: Document,
            opts: object,
          ) => Promise<{
            violations: {
              id: string;
              impact?: string | null;
              help: string;
              nodes: { target: unknown[]; failureSummary?: string }[];
            }[];
          }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.map(String), summary: n.failureSummary ?? '' })),
    }));
  });
}

export function describeViolations(violations: Violation[]): string {
  return violations
    .map(
      (v) =>
        `${v.id} (${v.impact ?? 'n/a'}): ${v.help}\n` +
        v.nodes.map((n) => `    ${n.target.join(' ')}\n      ${n.summary.replace(/\n/g, '\n      ')}`).join('\n'),
    )
    .join('\n');
}

/** The violations as "rule: target" lines, one per node (empty when the page is clean). */
export async function axeViolationLines(page: Page): Promise<string[]> {
  return (await axeViolations(page)).flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
}
