import * as tf from '@tensorflow/tfjs';
import { hardPseudoLabels } from '../../math/pseudoLabels';
import { deserializeTensor, serializeTensor, type SerializedTensor } from '../../state/serialize';
import { check } from '../../util/checks';
import { detach, stopGradient } from '../../util/numerics';
import { defineSection } from '../optionSchema';
import type { Algorithm, ComponentState, Masker } from './types';

/** Dash's options (config section `dash`). */
export interface DashOptions {
  /** γ > 1: the threshold shrinks by 1/γ every period (default 1.27, the paper's). */
  gamma: number;
  /** C ≥ 1: ρ_t = C·γ^(−n)·ρ̂ (default 1.0001, the paper's). */
  c: number;
  /** The floor ρ_min of the threshold (default 0.05, the paper's). */
  rhoMin: number;
  /** Supervised-only warm-up as a fraction of the run's steps; ρ̂ is the mean supervised loss over it (default 0.05). */
  warmupFraction: number;
  /** The threshold shrinks every this fraction of the run's steps (default 0.1). */
  periodFraction: number;
}

/** ρ̂'s running sum: the supervised losses of the warm-up steps (a scalar). */
export type DashState = { lossSum: tf.Scalar };

const section = defineSection<DashOptions>('dash', 'Dash', {
  gamma: { kind: { type: 'number', min: 1, minOpen: true }, default: 1.27, help: 'Dash shrink factor γ of the loss threshold', cli: { flag: 'dash-gamma', key: 'dashGamma', valueName: 'G' } },
  c: { kind: { type: 'number', min: 1 }, default: 1.0001, help: 'Dash constant C ≥ 1 of the loss threshold C·γ^(−n)·ρ̂', cli: { flag: 'dash-c', key: 'dashC', valueName: 'C' } },
  rhoMin: { kind: { type: 'number', min: 0 }, default: 0.05, help: 'Dash floor ρ_min of the loss threshold', cli: { flag: 'dash-rho-min', key: 'dashRhoMin', valueName: 'R' } },
  warmupFraction: { kind: { type: 'number', min: 0, max: 1, minOpen: true, maxOpen: true }, default: 0.05,
    help: 'Dash supervised-only warm-up, as a fraction of the steps (ρ̂ = its mean supervised loss)', cli: { flag: 'dash-warmup', key: 'dashWarmup', valueName: 'F' } },
  periodFraction: { kind: { type: 'number', min: 0, minOpen: true }, default: 0.1,
    help: 'Dash shrinks its threshold by 1/γ every this fraction of the steps', cli: { flag: 'dash-period', key: 'dashPeriod', valueName: 'F' } },
});

const options = section.read;

/** W = max(1, round(warmupFraction·K)) warm-up steps and P = max(1, round(periodFraction·K)) steps per shrink. */
export function dashSchedule(totalSteps: number, o: Pick<DashOptions, 'warmupFraction' | 'periodFraction'>): { warmupSteps: number; period: number } {
  return { warmupSteps: Math.max(1, Math.round(o.warmupFraction * totalSteps)), period: Math.max(1, Math.round(o.periodFraction * totalSteps)) };
}

/**
 * Dash's dynamic threshold (Xu et al., ICML 2021, eq. 6): ρ_t = max(ρ_min, C·γ^(−n)·ρ̂) with n = ⌊(k − W)/P⌋
 * the number of periods since the warm-up ended at step W, and ρ̂ the mean supervised loss of the warm-up.
 */
export function dashThreshold(step: number, rhoHat: number, totalSteps: number, o: DashOptions): number {
  const { warmupSteps, period } = dashSchedule(totalSteps, o);
  const n = Math.max(0, Math.floor((step - warmupSteps) / period));
  return Math.max(o.rhoMin, o.c * o.gamma ** -n * rhoHat);
}

const state: ComponentState<DashState> = {
  key: 'dash',
  init: () => ({ lossSum: tf.scalar(0) }),
  toJSON: async (s) => ({ lossSum: await serializeTensor(s.lossSum) }),
  fromJSON: (json) => {
    const j = json as { lossSum?: SerializedTensor } | null;
    check(j !== null && typeof j === 'object', 'checkpoint', () => 'is missing the Dash state');
    const t = deserializeTensor(j.lossSum as SerializedTensor, 'dash.lossSum');
    if (t.rank !== 0 || t.dtype !== 'float32') {
      t.dispose();
      check(false, 'checkpoint', () => 'dash.lossSum must be a float32 scalar');
    }
    return { lossSum: t as tf.Scalar };
  },
};

/**
 * Dash's selection, adapted to this trainer (docs/trainer.md, "Algorithms"): during the first W steps the
 * mask is 0 (supervised-only warm-up) and the supervised loss L_s of each step is summed; from step W on,
 * ρ̂ = Σ L_s / W and a sample counts when its loss on its own hard pseudo label, ℓ_b = −log max_c q̂_b,c,
 * is at most ρ_t (dashThreshold). Reads the step index, K and L_s from the step context.
 */
export const dashMasker: Masker<DashState> = {
  name: 'dash',
  state,
  mask: ({ config, step, totalSteps, supervisedLoss }, probs, s) => tf.tidy(() => {
    const o = options(config);
    const { warmupSteps, period } = dashSchedule(totalSteps, o);
    const { labels, confidence } = hardPseudoLabels(detach(probs));
    if (step < warmupSteps) {
      const lossSum = tf.add(s.lossSum, detach(supervisedLoss)) as tf.Scalar;
      return { mask: stopGradient(tf.zerosLike(confidence) as tf.Tensor1D), pseudoLabels: labels, state: { lossSum } };
    }
    const n = Math.max(0, Math.floor((step - warmupSteps) / period));
    const rho = tf.maximum(tf.mul(tf.div(s.lossSum, warmupSteps), o.c * o.gamma ** -n), o.rhoMin);
    const loss = tf.neg(tf.log(tf.maximum(confidence, 1e-12)));
    const mask = stopGradient(tf.cast(tf.lessEqual(loss, rho), 'float32') as tf.Tensor1D);
    return { mask, pseudoLabels: labels, state: { lossSum: s.lossSum.clone() } };
  }),
};

/** Dash (Xu et al., "Dash: Semi-Supervised Learning with Dynamic Thresholding", ICML 2021). */
export const dash: Algorithm = {
  name: 'dash',
  description: 'Dash: keeps pseudo labels whose loss is below a threshold that starts at the warm-up supervised loss and shrinks by 1/γ each period',
  reference: 'Xu et al., ICML 2021',
  unlabeled: true,
  alignment: 'none', // the paper (and USB) align nothing: the loss threshold is the whole selection
  masker: dashMasker as Masker,
  config: section,
};
