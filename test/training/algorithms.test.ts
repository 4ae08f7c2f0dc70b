import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { everySample, fixedThreshold } from '../../src/training/algorithms/fixedThreshold';
import {
  canonicalMethodName, describeMethod, methodNames, parseMethodName, resolveMethod, type MethodName,
} from '../../src/training/algorithms/registry';
import type { ComponentContext, UnlabeledStep } from '../../src/training/algorithms/types';
import { resolveTrainerConfig, type TrainerConfigInput } from '../../src/training/config';
import { disposeState } from '../../src/state/serialize';
import { expectClose, expectNoLeak } from '../helpers/tensors';

const config = (input: Partial<TrainerConfigInput>) => resolveTrainerConfig({ numClasses: 3, totalSteps: 10, ...input });

describe('algorithm registry', () => {
  it('lists the historical names and every algorithm with each add-on, canonical spelling', () => {
    const names = methodNames();
    for (const n of ['supervised', 'fixmatch', 'adapl', 'iph', 'tear']) expect(names).toContain(n);
    expect(names).not.toContain('fixmatch+tear');
    expect(names).not.toContain('supervised+iph');
    expect(new Set(names).size).toBe(names.length);
    expect(canonicalMethodName('fixmatch+tear')).toBe('tear');
    expect(config({ method: 'fixmatch+adapl' }).method).toBe('adapl');
    expect(parseMethodName('tear')).toMatchObject({ algorithm: { name: 'fixmatch' }, addOn: 'tear' });
    expect(describeMethod('iph')).toMatchObject({ unlabeled: true, terms: ['iph'] });
    expect(describeMethod('supervised')).toMatchObject({ unlabeled: false, terms: [] });
  });

  it('rejects unknown names, add-ons on supervised, and doubled add-ons, listing the valid names', () => {
    for (const bad of ['mixmatch', 'supervised+iph', 'fixmatch+iph+adapl', 'fixmatch+foo', '']) {
      expect(() => config({ method: bad as MethodName }), bad).toThrow(/option 'method': unknown method .*; methods: supervised, fixmatch, /);
    }
  });

  it('resolves the components and the states each configuration carries', () => {
    const keys = (input: Partial<TrainerConfigInput>) => resolveMethod(config(input)).states.map((s) => s.key);
    expect(keys({ method: 'supervised' })).toEqual([]);
    expect(keys({ method: 'fixmatch' })).toEqual(['distributionAlignment']);
    expect(keys({ method: 'fixmatch', reference: 'previous' })).toEqual(['distributionAlignment']); // FixMatch reads no reference
    expect(keys({ method: 'tear', reference: 'previous', distributionAlignment: { enabled: false } })).toEqual(['previous']);
    expect(keys({ method: 'adapl', reference: 'memory', memory: { numSamples: 5 } })).toEqual(['distributionAlignment', 'memory']);
    const r = resolveMethod(config({ method: 'tear' }));
    expect([r.masker.name, r.targets.name, r.terms.map((t) => t.name), r.reference?.name]).toEqual(['fixed-threshold', 'adapl', ['iph'], 'ema']);
    expect(resolveMethod(config({ method: 'adapl', adapl: { mask: 'none' } })).masker.name).toBe('every-sample');
    expect(resolveMethod(config({ method: 'fixmatch' })).reference).toBeUndefined();
  });

  it('refuses IPH with the memory reference (no features) and the memory without numSamples', () => {
    expect(() => config({ method: 'tear', reference: 'memory', memory: { numSamples: 4 } }))
      .toThrow("method 'tear' uses IPH, which needs reference features: use reference 'ema' or 'previous', not 'memory'");
    expect(() => config({ method: 'adapl', reference: 'memory' })).toThrow(/needs option 'memory.numSamples'/);
  });
});

describe('component states round-trip through JSON', () => {
  it('DA queue, previous-step weights and temporal memory: init → toJSON → fromJSON → toJSON is the identity; bad JSON names the field', () => expectNoLeak(async () => {
    const variables = [tf.tensor2d([[1, 2], [3, 4]]), tf.tensor1d([5, 6, 7])];
    for (const input of [
      { method: 'fixmatch' as const }, { method: 'tear' as const, reference: 'previous' as const }, { method: 'adapl' as const, reference: 'memory' as const, memory: { numSamples: 4 } },
    ]) {
      const c = config(input);
      const ctx: ComponentContext = { config: c, studentVariables: variables };
      for (const component of resolveMethod(c).states) {
        const state = component.init(ctx);
        const json = JSON.parse(JSON.stringify(await component.toJSON(state)));
        const back = component.fromJSON(json, ctx);
        expect(JSON.parse(JSON.stringify(await component.toJSON(back))), component.key).toEqual(json);
        disposeState([state, back]);
      }
    }
    const previousConfig = config({ method: 'tear', reference: 'previous' });
    const previous = resolveMethod(previousConfig).states.find((s) => s.key === 'previous');
    const ctx: ComponentContext = { config: previousConfig, studentVariables: variables };
    const json = (await previous!.toJSON({ weights: variables })) as Array<{ shape: number[]; values: number[] }>;
    json[1] = { ...json[1], shape: [4], values: [1, 2, 3, 4] };
    expect(() => previous!.fromJSON(json, ctx)).toThrow(/previous\[1\] is float32 \[4\], the model's variable 1 is float32 \[3\]/);
    expect(() => previous!.fromJSON(null, ctx)).toThrow(/must hold 2 previous-step weights/);
    const memoryConfig = (numSamples: number) => config({ method: 'adapl', reference: 'memory', memory: { numSamples } });
    const memory = resolveMethod(memoryConfig(4)).states[1];
    const small = memory.init({ config: memoryConfig(2), studentVariables: variables });
    const memoryJson = await memory.toJSON(small);
    disposeState(small);
    expect(() => memory.fromJSON(memoryJson, { config: memoryConfig(4), studentVariables: variables })).toThrow(/memory holds \[2,3\], the config says \[4,3\]/);
    tf.dispose(variables);
  }));
});

describe('FixMatch maskers', () => {
  const step = (threshold: number) => ({ config: config({ method: 'fixmatch', threshold }) }) as unknown as UnlabeledStep;
  it('fixed threshold: m = [max q ≥ τ] (τ itself counts), ŷ = argmax with ties to the lower class; every-sample: m = 1', () => expectNoLeak(() => {
    const probs = tf.tensor2d([[0.7, 0.2, 0.1], [0.3, 0.3, 0.4], [0.1, 0.8, 0.1], [0.5, 0.5, 0]]);
    const fixed = fixedThreshold.mask(step(0.7), probs, undefined);
    expectClose(fixed.mask.dataSync(), [1, 0, 1, 0], 0, 0);
    expect(Array.from(fixed.pseudoLabels.dataSync())).toEqual([0, 2, 1, 0]);
    const all = everySample.mask(step(0.7), probs, undefined);
    expectClose(all.mask.dataSync(), [1, 1, 1, 1], 0, 0);
    tf.dispose([probs, fixed.mask, fixed.pseudoLabels, all.mask, all.pseudoLabels]);
  }));
});
