import { DataFormatError } from './errors';

type SharpFactory = typeof import('sharp');

let sharpPromise: Promise<SharpFactory> | undefined;

/** Loads the optional peer dependency sharp on first use; a clear error says how to install it. */
export function loadSharp(): Promise<SharpFactory> {
  sharpPromise ??= import('sharp').then(
    (mod) => ((mod as unknown as { default?: SharpFactory }).default ?? (mod as unknown as SharpFactory)),
    (e: unknown) => {
      sharpPromise = undefined;
      throw new Error(`tear-ssl: decoding JPEG images needs the optional peer dependency 'sharp' (npm install sharp): ${(e as Error).message}`);
    },
  );
  return sharpPromise;
}

/**
 * Decodes one image file and resizes it to size×size RGB (stretching, like a plain resize to a square),
 * returning size·size·3 uint8 values in HWC order. Grey images are replicated to 3 channels, alpha is dropped.
 * A file sharp cannot decode is a DataFormatError naming it (and `context`, e.g. the split file line).
 */
export async function decodeResizedRgb(path: string, size: number, context = ''): Promise<Uint8Array> {
  const sharp = await loadSharp();
  let data: Buffer;
  let channels: number;
  try {
    const result = await sharp(path).resize(size, size, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
    data = result.data;
    channels = result.info.channels;
  } catch (e) {
    throw new DataFormatError(path, `cannot decode image${context} (${(e as Error).message})`);
  }
  const pixels = size * size;
  if (data.length !== pixels * channels) throw new DataFormatError(path, `decoder returned ${data.length} bytes for ${size}×${size}×${channels}${context}`);
  const rgb = new Uint8Array(pixels * 3);
  const grey = channels <= 2;
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < 3; c++) rgb[3 * p + c] = data[p * channels + (grey ? 0 : c)];
  }
  return rgb;
}
