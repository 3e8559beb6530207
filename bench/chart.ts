/** The saga latency chart of docs/benchmarks.md: p50 and p99 against offered rate, service and raw, as SVG. */
import type { SagaRate } from "./figures/saga";

const W = 640;
const H = 360;
const PAD = { left: 64, right: 170, top: 36, bottom: 48 };

interface Series {
	label: string;
	color: string;
	dashed: boolean;
	points: Array<[number, number | null]>;
}

export function sagaChart(rates: Array<[number, SagaRate]>): string {
	const series: Series[] = [
		{ label: "service p99", color: "#c0392b", dashed: false, points: rates.map(([r, s]) => [r, s.p99_ms]) },
		{ label: "service p50", color: "#e67e22", dashed: false, points: rates.map(([r, s]) => [r, s.p50_ms]) },
		{ label: "raw p99", color: "#2c3e50", dashed: true, points: rates.map(([r, s]) => [r, s.raw.p99_ms]) },
		{ label: "raw p50", color: "#7f8c8d", dashed: true, points: rates.map(([r, s]) => [r, s.raw.p50_ms]) },
	];
	const values = series.flatMap((s) => s.points.map(([, v]) => v)).filter((v): v is number => v !== null);
	const yMax = niceMax(Math.max(1_000, ...values));
	const xs = rates.map(([r]) => r);
	const x = (rate: number) => PAD.left + ((rate - xs[0]) / (xs[xs.length - 1] - xs[0] || 1)) * (W - PAD.left - PAD.right);
	const y = (ms: number) => H - PAD.bottom - (ms / yMax) * (H - PAD.top - PAD.bottom);
	const parts: string[] = [
		`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
		`<rect width="${W}" height="${H}" fill="white"/>`,
		`<text x="${W / 2 - 80}" y="20" font-size="14">Saga: order created to terminal state</text>`,
	];
	for (let i = 0; i <= 4; i++) {
		const ms = (yMax * i) / 4;
		parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(ms)}" y2="${y(ms)}" stroke="#ddd"/>`);
		parts.push(`<text x="${PAD.left - 8}" y="${y(ms) + 4}" text-anchor="end">${ms}</text>`);
	}
	parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(1_000)}" y2="${y(1_000)}" stroke="#c0392b" stroke-dasharray="2 4"/>`);
	for (const rate of xs) parts.push(`<text x="${x(rate)}" y="${H - PAD.bottom + 18}" text-anchor="middle">${rate}</text>`);
	parts.push(`<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 10}" text-anchor="middle">offered orders/s</text>`);
	parts.push(`<text x="16" y="${H / 2}" transform="rotate(-90 16 ${H / 2})" text-anchor="middle">ms</text>`);
	series.forEach((s, i) => {
		const known = s.points.filter((p): p is [number, number] => p[1] !== null);
		const dash = s.dashed ? ' stroke-dasharray="6 4"' : "";
		parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${known.map(([r, v]) => `${x(r)},${y(v)}`).join(" ")}"/>`);
		for (const [r, v] of known) parts.push(`<circle cx="${x(r)}" cy="${y(v)}" r="3" fill="${s.color}"/>`);
		const ly = PAD.top + 10 + i * 20;
		parts.push(`<line x1="${W - PAD.right + 16}" x2="${W - PAD.right + 40}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`);
		parts.push(`<text x="${W - PAD.right + 46}" y="${ly + 4}">${s.label}</text>`);
	});
	parts.push(`<text x="${W - PAD.right + 16}" y="${PAD.top + 100}" fill="#888">missing point: orders</text>`);
	parts.push(`<text x="${W - PAD.right + 16}" y="${PAD.top + 114}" fill="#888">unfinished at the guard</text>`);
	parts.push("</svg>");
	return `${parts.join("\n")}\n`;
}

function niceMax(value: number): number {
	const step = 10 ** Math.floor(Math.log10(value));
	return Math.ceil(value / step) * step;
}
