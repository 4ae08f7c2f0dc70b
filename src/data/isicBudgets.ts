/**
 * Labeled budgets that TEAR's ISIC 2018 split files exist for: the one list the loader (isic2018.ts),
 * the CLI's --budget and its messages read. Browser-safe (no Node imports), so the CLI's option table may use it.
 */
export const ISIC2018_BUDGETS = [350, 600, 800, 1200, 2000] as const;
/** A labeled budget TEAR's ISIC 2018 split files exist for. */
export type Isic2018Budget = (typeof ISIC2018_BUDGETS)[number];
