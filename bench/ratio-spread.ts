/** How stable a figure's ratio is within its run: the ratios of its pairs of adjacent service and raw measurements. */

const roundTo = (value: number, digits: number): number => Number(value.toFixed(digits));

/** How far a ratio moved within its run: the least, median and most of its pairs' ratios, and how many pairs. */
export interface RatioSpread {
	min: number;
	median: number;
	max: number;
	pairs: number;
}

/**
 * The spread of the ratios service[i] / raw[i], a pair being one service slice or
 * round and the raw one beside it; rounded as a figure's ratio_vs_raw is.
 */
export function ratioSpread(service: number[], raw: number[]): RatioSpread {
	if (service.length === 0 || service.length !== raw.length) throw new Error(`ratioSpread: ${service.length} service rates against ${raw.length} raw ones`);
	const ratios = service.map((rate, i) => rate / raw[i]).sort((a, b) => a - b);
	const middle = ratios.length >> 1;
	const median = ratios.length % 2 === 1 ? ratios[middle] : (ratios[middle - 1] + ratios[middle]) / 2;
	return { min: roundTo(ratios[0], 2), median: roundTo(median, 2), max: roundTo(ratios[ratios.length - 1], 2), pairs: ratios.length };
}

/** "pairs 0.58–0.71, n=6": a spread as the logs and the tables give it. */
export const spreadText = (spread: RatioSpread): string => `pairs ${spread.min}–${spread.max}, n=${spread.pairs}`;
