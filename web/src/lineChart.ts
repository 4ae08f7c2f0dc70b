/** A small canvas line chart: one polyline per series over steps 0..xMax, y auto-ranged or fixed. */
export interface Series {
  label: string;
  color: string;
  points: Array<[number, number]>;
}

export class LineChart {
  private readonly series = new Map<string, Series>();
  private xMax = 1;
  private pending = false;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly opts: { yRange?: [number, number]; percent?: boolean },
  ) {}

  reset(xMax: number): void {
    this.series.clear();
    this.xMax = Math.max(1, xMax);
    this.schedule();
  }

  add(key: string, label: string, color: string, x: number, y: number): void {
    if (!Number.isFinite(y)) return;
    let s = this.series.get(key);
    if (s === undefined) {
      s = { label, color, points: [] };
      this.series.set(key, s);
    }
    s.points.push([x, y]);
    this.canvas.dataset.points = String([...this.series.values()].reduce((n, v) => n + v.points.length, 0));
    this.schedule();
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  private draw(): void {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const width = c.clientWidth;
    const height = c.clientHeight;
    if (c.width !== Math.round(width * dpr) || c.height !== Math.round(height * dpr)) {
      c.width = Math.round(width * dpr);
      c.height = Math.round(height * dpr);
    }
    const g = c.getContext('2d') as CanvasRenderingContext2D;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, height);
    const pad = { left: 44, right: 10, top: 10, bottom: 24 };
    const all = [...this.series.values()].flatMap((s) => s.points.map((p) => p[1]));
    let [y0, y1] = this.opts.yRange ?? [Math.min(0, ...all), Math.max(1e-6, ...all)];
    if (this.opts.yRange === undefined) y1 *= 1.05;
    if (y1 <= y0) y1 = y0 + 1;
    const px = (x: number) => pad.left + (x / this.xMax) * (width - pad.left - pad.right);
    const py = (y: number) => height - pad.bottom - ((y - y0) / (y1 - y0)) * (height - pad.top - pad.bottom);
    g.font = '11px system-ui, sans-serif';
    g.strokeStyle = '#ddd';
    g.fillStyle = '#666';
    g.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const y = y0 + ((y1 - y0) * i) / 4;
      g.beginPath();
      g.moveTo(pad.left, py(y));
      g.lineTo(width - pad.right, py(y));
      g.stroke();
      g.textAlign = 'right';
      g.fillText(this.opts.percent ? `${Math.round(100 * y)}%` : y.toPrecision(2), pad.left - 4, py(y) + 4);
    }
    g.textAlign = 'center';
    for (let i = 0; i <= 4; i++) g.fillText(String(Math.round((this.xMax * i) / 4)), px((this.xMax * i) / 4), height - 8);
    for (const s of this.series.values()) {
      g.strokeStyle = s.color;
      g.lineWidth = 1.5;
      g.beginPath();
      s.points.forEach(([x, y], i) => (i === 0 ? g.moveTo(px(x), py(y)) : g.lineTo(px(x), py(y))));
      g.stroke();
      if (s.points.length === 1) {
        g.fillStyle = s.color;
        g.fillRect(px(s.points[0][0]) - 2, py(s.points[0][1]) - 2, 4, 4);
      }
    }
  }
}
