/** Limits how many async tasks run at once; waiters start in the order they asked. */
export class Semaphore {
  private readonly waiting: (() => void)[] = [];
  private running = 0;

  constructor(private readonly limit: number) {}

  /** Whether a task asked for now would start at once. */
  get free(): boolean {
    return this.running < this.limit;
  }

  async use<T>(task: () => Promise<T>): Promise<T> {
    // A finished task hands its place to the first waiter, so a newcomer cannot slip in between.
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
