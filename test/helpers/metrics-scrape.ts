/** The value of one series (`name` or `name{label="value"}`) in a Prometheus scrape; undefined if absent. */
export function valueOf(scrape: string, series: string): number | undefined {
  const line = scrape.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** One series as a running server's /metrics has it now. */
export async function scrapeValue(serverUrl: string, series: string): Promise<number | undefined> {
  const response = await fetch(new URL('/metrics', serverUrl));
  return valueOf(await response.text(), series);
}
