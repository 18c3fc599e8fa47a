// A small Preact wrapper around uPlot (drawn locally on a canvas, no CDN; architecture.md "Screens"):
// bar or line series over an index axis whose labels the panel gives, so no chart depends on the
// screen's own time zone (the panel labels hours and days in the venue's). The chart follows its
// container's width; the numbers it shows are always also in a table beside it (the panel's job).
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface ChartSeries {
  label: string;
  values: number[];
  colour: string;
}

export interface ChartProps {
  id: string;
  /** Label of each x position (hour, day, °C). */
  labels: string[];
  /** Bars are drawn in order, each over the previous one: give cumulative values, largest first, for stacks. */
  series: ChartSeries[];
  kind: 'bars' | 'line';
  height?: number;
  /** Accessible summary (the figures are in the table beside it). */
  title: string;
  /** Steps (in x positions) the axis may label at; the default suits up to a few dozen positions. */
  steps?: number[];
}

const AXIS = { stroke: '#c8d3e0', grid: { stroke: '#2a3646', width: 1 }, ticks: { stroke: '#2a3646', width: 1 } };

export function Chart({ id, labels, series, kind, height = 220, title, steps }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = () => Math.max(240, Math.floor(el.clientWidth || el.getBoundingClientRect().width || 600));
    const x = labels.map((_, i) => i);
    const bars = uPlot.paths.bars?.({ size: [0.85, 48], gap: 1 });
    const options: uPlot.Options = {
      width: width(),
      height,
      legend: { show: series.length > 1, live: false },
      cursor: { show: false },
      scales: { x: { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.08)] } },
      axes: [
        {
          ...AXIS,
          space: 40,
          incrs: steps ?? [1, 2, 3, 4, 5, 6, 7, 10, 12, 14, 20, 24, 30, 48, 72, 168],
          values: (_u, splits) => splits.map((i) => (Number.isInteger(i) ? (labels[i] ?? '') : '')),
        },
        { ...AXIS, size: 56, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')) },
      ],
      series: [
        {},
        ...series.map((s) =>
          kind === 'bars'
            ? { label: s.label, stroke: s.colour, fill: s.colour, width: 0, paths: bars, points: { show: false } }
            : { label: s.label, stroke: s.colour, width: 2, points: { show: labels.length <= 48 } },
        ),
      ],
    };
    const plot = new uPlot(options, [x, ...series.map((s) => s.values)], el);
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [labels, series, kind, height, steps]);
  return <div id={id} class="chart" role="img" aria-label={title} data-testid={id} ref={box} />;
}
