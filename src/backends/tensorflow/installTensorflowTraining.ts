import { installFusedBatchNormTraining } from './fusedBatchNormTraining';
import { installGatherWithoutRead } from './gatherWithoutRead';
import { installOneDnnMaxPoolTraining } from './oneDnnMaxPool';
import { installTensorflowTrainingGradients } from './trainingGradients';

/** What {@link installTensorflowTraining} put in place, by piece. */
export interface InstalledTensorflowTraining {
  gradients: string[];
  kernels: string[];
  fusedBatchNorm: boolean;
  gatherWithoutRead: boolean;
  oneDnnMaxPool: boolean;
}

/**
 * Every tfjs-node training speed-up of tear-ssl, as selectBackend installs them after loading tfjs-node
 * (call it yourself when you load tfjs-node by hand; each piece is idempotent and changes nothing on
 * other backends; docs/backends.md):
 * - installTensorflowTrainingGradients: TensorFlow's fused ReluGrad/LeakyReluGrad, cheaper Mean/Sum and
 *   batch-norm gradients, and a MaxPoolGrad for 2×2 windows;
 * - installFusedBatchNormTraining: training-mode batch norm as one FusedBatchNormV3 kernel and one gradient kernel;
 * - installGatherWithoutRead: GatherV2 without tfjs-node's JavaScript read of every index (TensorFlow checks them on the CPU);
 * - installOneDnnMaxPoolTraining: training-mode MaxPooling2D as oneDNN's pooling, whose gradient is a
 *   scatter, where libtensorflow has those ops.
 * The unfused training Conv2D (installPrunableConv2DTraining) applies to every backend; selectBackend installs it too.
 */
export function installTensorflowTraining(): InstalledTensorflowTraining {
  const { gradients, kernels } = installTensorflowTrainingGradients();
  const fusedBatchNorm = installFusedBatchNormTraining();
  const gatherWithoutRead = installGatherWithoutRead();
  const oneDnnMaxPool = installOneDnnMaxPoolTraining();
  return { gradients, kernels, fusedBatchNorm, gatherWithoutRead, oneDnnMaxPool };
}
