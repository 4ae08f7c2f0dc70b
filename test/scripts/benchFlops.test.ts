import { describe, expect, it } from 'vitest';
import { createBenchModel, trainingFlops } from '../../bench/benchModels';

// Forward FLOPs per image counted independently with PyTorch forward hooks on bench/torch_step.py's
// SmallCnn and WideResNet (2 per multiply-add of every Conv2d and Linear): 14,904,832 and 428,706,304.
// The first layer's share (its input gradient is not computed): 3·3·1·32 MACs at 28×28 and 3·3·3·16 at 32×32.
describe('trainingFlops (bench/benchModels.ts)', () => {
  it('is 3 × forward − the first layer, per image, with the forward PyTorch counts', () => {
    const small = createBenchModel('small');
    const wrn = createBenchModel('wrn');
    expect(trainingFlops(small, 1)).toBe(3 * 14_904_832 - 2 * 28 * 28 * 9 * 32);
    expect(trainingFlops(wrn, 64)).toBe(64 * (3 * 428_706_304 - 2 * 32 * 32 * 27 * 16));
    small.dispose();
    wrn.dispose();
  });
});
