import type { Algorithm } from './types';

/** The labeled cross-entropy alone: the baseline every semi-supervised method is compared with. */
export const supervised: Algorithm & { readonly unlabeled: false } = {
  name: 'supervised',
  description: 'labeled cross-entropy only (baseline)',
  unlabeled: false,
};
