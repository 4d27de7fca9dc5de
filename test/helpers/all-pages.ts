/** Every page an async page iterator yields (Array.fromAsync needs Node 22). */
export async function allPages<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(page);
  return all;
}
