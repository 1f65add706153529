type Settled<T> = {index: number; result: IteratorResult<T>} | {index: number; error: unknown};

/**
 * Interleaves several async iterators, yielding each value as soon as its source has it. Each
 * source is asked for its next value only after its last one was taken, and a value that settles
 * goes into a queue: the cost of one value does not grow with the number of sources (racing every
 * pending promise for each value did, which made 10 000 jobs quadratic).
 */
export async function* merge<T>(sources: readonly AsyncIterator<T>[]): AsyncGenerator<T, void, undefined> {
  const queue: Settled<T>[] = [];
  let head = 0;
  let wake: (() => void) | undefined;
  const settle = (item: Settled<T>): void => {
    queue.push(item);
    wake?.();
    wake = undefined;
  };
  const pull = (index: number): void => {
    (sources[index] as AsyncIterator<T>).next().then(
      (result) => settle({index, result}),
      (error: unknown) => settle({index, error}),
    );
  };
  let open = sources.length;
  sources.forEach((_, index) => pull(index));
  while (open > 0) {
    if (head === queue.length) await new Promise<void>((resolve) => (wake = resolve));
    const item = queue[head] as Settled<T>;
    head += 1;
    if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head); // keep the queue from growing for hours
      head = 0;
    }
    if ('error' in item) throw item.error;
    if (item.result.done) {
      open -= 1;
      continue;
    }
    yield item.result.value;
    pull(item.index);
  }
}
