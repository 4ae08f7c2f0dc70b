import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  ADD_ONS, ALGORITHMS, isAddOnName, isAlgorithmName, methodNames, parseMethodName,
  type AddOnName, type AlgorithmName, type MethodName,
} from '../../src/training/algorithms/registry';
import { resolveTrainerConfig } from '../../src/training/config';

describe('registry names as types', () => {
  it('isAlgorithmName / isAddOnName accept the table\'s own keys only (not Object.prototype\'s)', () => {
    for (const name of Object.keys(ALGORITHMS)) expect(isAlgorithmName(name), name).toBe(true);
    for (const name of Object.keys(ADD_ONS)) expect(isAddOnName(name), name).toBe(true);
    expect(Object.keys(ALGORITHMS)).toEqual(['supervised', 'fixmatch', 'flexmatch', 'freematch', 'softmatch', 'debiaspl', 'dash', 'adamatch']);
    expect(isAlgorithmName('tear')).toBe(false); // a short method name, not an algorithm
    for (const bad of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'DASH', '']) {
      expect(isAlgorithmName(bad), bad).toBe(false);
      expect(() => parseMethodName(bad), bad).toThrow(/unknown method/);
      expect(() => parseMethodName(`fixmatch+${bad}`), bad).toThrow(/unknown method/);
    }
    for (const bad of ['constructor', 'toString', 'fixmatch', 'adapl+iph']) expect(isAddOnName(bad), bad).toBe(false);
    expect(() => resolveTrainerConfig({ numClasses: 3, totalSteps: 5, method: 'constructor' as MethodName })).toThrow(/option 'method': unknown method 'constructor'/);
  });

  it('Dash and AdaMatch are methods with every add-on; the name types follow the table', () => {
    for (const name of ['dash', 'dash+adapl', 'dash+iph', 'dash+tear', 'adamatch', 'adamatch+adapl', 'adamatch+iph', 'adamatch+tear']) {
      expect(methodNames()).toContain(name);
    }
    expectTypeOf<'dash'>().toMatchTypeOf<AlgorithmName>();
    expectTypeOf<'adamatch+tear'>().toMatchTypeOf<MethodName>();
    expectTypeOf<'tear'>().toMatchTypeOf<MethodName>();
    expectTypeOf<'iph'>().toMatchTypeOf<AddOnName>();
    expectTypeOf<'supervised+iph'>().not.toMatchTypeOf<MethodName>();
    expectTypeOf<'dash+foo'>().not.toMatchTypeOf<MethodName>();
    expectTypeOf(methodNames()).toEqualTypeOf<MethodName[]>();
  });
});
