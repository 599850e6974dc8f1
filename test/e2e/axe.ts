import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';

/**
 * The axe violations on screen that a user would be stopped by, one readable line per element; `only`
 * limits the check to one part of the page. Transitions are let finish first: a button that just lost
 * its highlight fades its background for 150 ms while its text colour has already changed, and axe
 * would measure the contrast of that moment.
 */
/** The part of the page's DOM used here, run in the browser (the test code is compiled without the DOM library). */
declare const document: { getAnimations(): { finished: Promise<unknown>; effect: { getTiming(): { iterations?: number } } | null }[] };

export async function blockers(page: Page, screen: string, lang: string, only?: string): Promise<string[]> {
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        // A spinner turns for ever; only what comes to rest is waited for.
        .filter((animation) => animation.effect?.getTiming().iterations !== Infinity)
        .map((animation) => animation.finished.catch(() => undefined)),
    ),
  );
  const builder = new AxeBuilder({ page });
  const { violations } = await (only ? builder.include(only) : builder).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) =>
      v.nodes.map((node) => `${screen} [${lang}] ${v.id} (${v.impact}): ${node.target.join(' >> ')} — ${v.help}. ${(node.failureSummary ?? '').replace(/\s+/g, ' ').trim()}`),
    );
}
