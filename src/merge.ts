/** Interleaves several async iterators, yielding each value as soon as its source has it. */
export async function* merge<T>(sources: readonly AsyncIterator<T>[]): AsyncGenerator<T, void, undefined> {
  const pending = new Map<number, Promise<{index: number; result: IteratorResult<T>}>>();
  const next = (index: number): void => {
    pending.set(index, (sources[index] as AsyncIterator<T>).next().then((result) => ({index, result})));
  };
  sources.forEach((_, index) => next(index));
  while (pending.size > 0) {
    const {index, result} = await Promise.race(pending.values());
    if (result.done) {
      pending.delete(index);
      continue;
    }
    next(index);
    yield result.value;
  }
}
