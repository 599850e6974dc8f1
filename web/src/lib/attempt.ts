/**
 * Runs a page action and hands its error message to `report` (an empty message first, to clear the
 * last one), so a failed request shows up on the page instead of being lost.
 */
export async function attempt(action: () => Promise<void>, report: (message: string) => void): Promise<boolean> {
  report('');
  try {
    await action();
    return true;
  } catch (err) {
    report((err as Error).message);
    return false;
  }
}
