/**
 * Checks that a webgpu backend without a trustworthy synchronous read must refuse (src/util/syncRead.ts):
 * k-means, the Hungarian matching of prototypes, and so IPH and every method that trains with it. Shared
 * by test/browser/webgpu.browser.ts (Chromium on SwiftShader) and scripts/device/webgpuCheck.ts (Node on
 * Dawn, which has no OffscreenCanvas), so that a check which starts or stops being refused is noticed.
 */
import { methodNames } from '../../src/training/algorithms/registry';

/** Methods whose step runs IPH (k-means and prototype matching read values synchronously). */
export const IPH_METHODS = methodNames().filter((m) => m === 'iph' || m === 'tear' || m.endsWith('+iph') || m.endsWith('+tear'));

/** Names of the checks (checks.ts) refused where the webgpu backend cannot read synchronously. */
export const SYNC_READ_REFUSALS: readonly string[] = [
  'kmeans (engine tensor)', 'kmeans (engine auto)', 'clusterPrototypes and its gradient, matchPrototypes',
  'iphLoss (reference prediction) and its gradient', 'iphLoss (reference kmeans) and its gradient', 'iphLossReleaseExact',
  ...IPH_METHODS.map((m) => `two steps of ${m}`), 'two steps of tear with the medical preset',
];

/** The start of the refusal's message (the reason that follows depends on the environment). */
export const SYNC_READ_REFUSAL = /^tear-ssl\.\w+: needs the values of '[^']+' synchronously, but /;
