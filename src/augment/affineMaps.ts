import type { AffineMap } from './types';

/** Centre (cx, cy) of a w×h pixel grid: ((w − 1)/2, (h − 1)/2). */
const centre = (height: number, width: number): [number, number] => [(width - 1) / 2, (height - 1) / 2];

/**
 * Map for content rotated counter-clockwise by `degrees` about the image centre (PIL's sign):
 * x_in = cos·u − sin·v + cx, y_in = sin·u + cos·v + cy with u = x − cx, v = y − cy.
 */
export function rotationMap(degrees: number, height: number, width: number): AffineMap {
  const [cx, cy] = centre(height, width);
  const t = (degrees * Math.PI) / 180;
  const c = Math.cos(t);
  const s = Math.sin(t);
  return [c, -s, cx - c * cx + s * cy, s, c, cy - s * cx - c * cy];
}

/** Horizontal shear about the centre row: x_in = x + s·(y − cy), y_in = y. */
export function shearXMap(shear: number, height: number, width: number): AffineMap {
  const [, cy] = centre(height, width);
  return [1, shear, -shear * cy, 0, 1, 0];
}

/** Vertical shear about the centre column: y_in = y + s·(x − cx), x_in = x. */
export function shearYMap(shear: number, height: number, width: number): AffineMap {
  const [cx] = centre(height, width);
  return [1, 0, 0, shear, 1, -shear * cx];
}

/** Content moved by (dx, dy) pixels (right, down): x_in = x − dx, y_in = y − dy. */
export function translationMap(dx: number, dy: number): AffineMap {
  return [1, 0, -dx, 0, 1, -dy];
}

/** One of the 8 symmetries of the square, as flips then k quarter turns counter-clockwise. */
export interface Dihedral {
  flipHorizontal: boolean;
  flipVertical: boolean;
  quarterTurns: number;
}

/**
 * Map reading an h×w crop at offset (offsetX, offsetY) of an image padded by `pad` on each side, after a
 * dihedral symmetry about the crop centre: (u, v) centred output coords → M·(u, v) + centre + offset,
 * M = Rot^k · FlipV · FlipH with Rot(u, v) = (−v, u). Offset `pad` is the centred crop.
 */
export function dihedralCropMap(d: Dihedral, height: number, width: number, offsetX: number, offsetY: number): AffineMap {
  const [cx, cy] = centre(height, width);
  let m00 = d.flipHorizontal ? -1 : 1;
  let m01 = 0;
  let m10 = 0;
  let m11 = d.flipVertical ? -1 : 1;
  for (let k = 0; k < (((d.quarterTurns % 4) + 4) % 4); k++) {
    [m00, m01, m10, m11] = [-m10, -m11, m00, m01];
  }
  return [m00, m01, cx + offsetX - m00 * cx - m01 * cy, m10, m11, cy + offsetY - m10 * cx - m11 * cy];
}
