/** One sample of a Prometheus text exposition (the first series of that name), or null. */
export function metricValue(text: string, name: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').at(-1)) : null;
}

export async function fetchMetric(baseUrl: string, name: string): Promise<number | null> {
  return metricValue(await (await fetch(`${baseUrl}/metrics`)).text(), name);
}
