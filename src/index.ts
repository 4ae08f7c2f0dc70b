export { Random, deriveSeed, type RandomState } from './state/random';
export { TearArgumentError } from './util/checks';
