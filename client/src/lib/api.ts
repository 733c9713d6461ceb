/** The REST calls the client makes. Errors are `{ error: { code, message } }` JSON. */

export interface BoardSummary {
  id: string;
  title: string;
}

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
    throw new Error(typeof message === 'string' ? message : `${res.status} ${res.statusText}`);
  }
  return body as T;
}

export async function fetchBoards(): Promise<BoardSummary[]> {
  const body = await getJson<{ boards?: unknown }>('/api/boards');
  if (!Array.isArray(body.boards)) return [];
  return body.boards.flatMap((b: unknown) => {
    const v = b as Partial<BoardSummary> | null;
    return v && typeof v.id === 'string'
      ? [{ id: v.id, title: typeof v.title === 'string' && v.title ? v.title : v.id }]
      : [];
  });
}
