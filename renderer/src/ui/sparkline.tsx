/**
 * A small line chart of a series (CPU load, requests per minute). Plain SVG: a charting library would
 * cost more than the whole panel for a line and an area.
 */

export function Sparkline({
  values,
  second,
  max,
  label,
}: {
  values: number[];
  /** A second series drawn over the first (errors over requests). */
  second?: number[];
  /** Top of the scale; the largest value by default. */
  max?: number;
  /** What the chart shows, for screen readers. */
  label: string;
}) {
  const width = 200;
  const height = 48;
  const top = Math.max(max ?? 0, ...values, ...(second ?? []), 1e-9);
  const points = (series: number[]) =>
    series.map((value, index) => {
      const x = series.length === 1 ? width : (index / (series.length - 1)) * width;
      const y = height - 2 - (Math.min(value, top) / top) * (height - 4);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    });
  const line = points(values);
  return (
    <svg
      class="sparkline"
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={label}
    >
      {line.length > 0 && (
        <>
          <polygon class="area" points={`0,${height} ${line.join(' ')} ${width},${height}`} />
          <polyline class="line" points={line.join(' ')} />
        </>
      )}
      {second && second.length > 0 && <polyline class="line errors" points={points(second).join(' ')} />}
    </svg>
  );
}
