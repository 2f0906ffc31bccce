/**
 * Small, dependency-free SVG charts for reports: a stacked horizontal bar chart (aging by slice) and a
 * plain horizontal bar chart (DSO by slice). Text is escaped; colours pass WCAG contrast on white.
 */
export type StackedBar = { label: string; note?: string; parts: readonly number[] };

export type StackedBarChart = {
  title: string;
  subtitle?: string;
  partLabels: readonly string[];
  bars: readonly StackedBar[];
  formatValue: (value: number) => string;
};

export type SimpleBarChart = {
  title: string;
  subtitle?: string;
  bars: readonly { label: string; value: number | null; note?: string }[];
  formatValue: (value: number) => string;
};

const PALETTE = ['#2e7d32', '#f9a825', '#ef6c00', '#c62828', '#6a1b9a', '#1565c0', '#37474f'];
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"';
const WIDTH = 880;
const LABEL_WIDTH = 220;
const VALUE_WIDTH = 250;
const BAR_HEIGHT = 22;
const GAP = 10;

/**
 * Characters XML 1.0 does not allow at all (most C0 controls, lone surrogates, U+FFFE/U+FFFF), which
 * not even a character reference may carry, and DEL and C1, which it discourages: a viewer stops at the
 * first one, so a slice label from the data could break the whole picture.
 */
const NOT_XML_TEXT =
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function escapeXml(text: string): string {
  return text.replace(NOT_XML_TEXT, '\ufffd').replace(/[&<>"'\t\n\r]/g, (char) => `&#${char.charCodeAt(0)};`);
}

function header(title: string, subtitle: string | undefined): string {
  return (
    `<text x="16" y="28" ${FONT} font-size="18" font-weight="600" fill="#111">${escapeXml(title)}</text>` +
    (subtitle ? `<text x="16" y="48" ${FONT} font-size="12" fill="#444">${escapeXml(subtitle)}</text>` : '')
  );
}

function svg(height: number, title: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeXml(title)}">` +
    `<rect width="100%" height="100%" fill="#fff"/>${body}</svg>\n`
  );
}

export function renderStackedBarChart(chart: StackedBarChart): string {
  const top = 64;
  const plotWidth = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 32;
  const max = Math.max(
    1,
    ...chart.bars.map((bar) => bar.parts.reduce((sum, part) => sum + Math.max(0, part), 0)),
  );
  let body = header(chart.title, chart.subtitle);
  let legendX = 16;
  chart.partLabels.forEach((label, index) => {
    body +=
      `<rect x="${legendX}" y="${top - 8}" width="12" height="12" fill="${PALETTE[index % PALETTE.length]}"/>` +
      `<text x="${legendX + 16}" y="${top + 2}" ${FONT} font-size="12" fill="#222">${escapeXml(label)}</text>`;
    legendX += 24 + label.length * 7;
  });
  chart.bars.forEach((bar, row) => {
    const y = top + 20 + row * (BAR_HEIGHT + GAP);
    const total = bar.parts.reduce((sum, part) => sum + Math.max(0, part), 0);
    body += `<text x="${LABEL_WIDTH}" y="${y + 15}" text-anchor="end" ${FONT} font-size="12" fill="#222">${escapeXml(bar.label)}</text>`;
    let x = LABEL_WIDTH + 8;
    bar.parts.forEach((part, index) => {
      const width = (Math.max(0, part) / max) * plotWidth;
      if (width <= 0) return;
      const partLabel = chart.partLabels[index] ?? '';
      body +=
        `<rect x="${x.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${PALETTE[index % PALETTE.length]}">` +
        `<title>${escapeXml(`${bar.label} · ${partLabel}: ${chart.formatValue(part)}`)}</title></rect>`;
      x += width;
    });
    body += `<text x="${x + 6}" y="${y + 15}" ${FONT} font-size="12" fill="#222">${escapeXml(
      chart.formatValue(total) + (bar.note ? ` · ${bar.note}` : ''),
    )}</text>`;
  });
  return svg(top + 20 + chart.bars.length * (BAR_HEIGHT + GAP) + 16, chart.title, body);
}

export function renderBarChart(chart: SimpleBarChart): string {
  const top = 64;
  const plotWidth = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 32;
  const max = Math.max(1, ...chart.bars.map((bar) => bar.value ?? 0));
  let body = header(chart.title, chart.subtitle);
  chart.bars.forEach((bar, row) => {
    const y = top + row * (BAR_HEIGHT + GAP);
    const width = bar.value === null ? 0 : (Math.max(0, bar.value) / max) * plotWidth;
    const valueText = bar.value === null ? 'n/a' : chart.formatValue(bar.value);
    body +=
      `<text x="${LABEL_WIDTH}" y="${y + 15}" text-anchor="end" ${FONT} font-size="12" fill="#222">${escapeXml(bar.label)}</text>` +
      `<rect x="${LABEL_WIDTH + 8}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="#1565c0"><title>${escapeXml(
        `${bar.label}: ${valueText}`,
      )}</title></rect>` +
      `<text x="${LABEL_WIDTH + 14 + width}" y="${y + 15}" ${FONT} font-size="12" fill="#222">${escapeXml(
        valueText + (bar.note ? ` · ${bar.note}` : ''),
      )}</text>`;
  });
  return svg(top + chart.bars.length * (BAR_HEIGHT + GAP) + 16, chart.title, body);
}

/** Two charts one above the other in one SVG document. */
export function stackSvgs(parts: readonly string[]): string {
  let y = 0;
  let inner = '';
  for (const part of parts) {
    const height = Number(/height="(\d+)"/.exec(part)?.[1] ?? 0);
    inner += `<g transform="translate(0 ${y})">${part.replace(/^<svg[^>]*>/, '').replace(/<\/svg>\n?$/, '')}</g>`;
    y += height;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}">${inner}</svg>\n`;
}
