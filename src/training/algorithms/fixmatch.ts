import { fixedThreshold } from './fixedThreshold';
import type { Algorithm } from './types';

/** FixMatch: one-hot pseudo labels of the (aligned) weak view, kept where max q̂ ≥ τ, trained on the strong view. */
export const fixmatch: Algorithm = {
  name: 'fixmatch',
  description: 'FixMatch: hard pseudo labels above a fixed confidence threshold τ',
  reference: 'Sohn et al., NeurIPS 2020',
  unlabeled: true,
  masker: fixedThreshold,
};
