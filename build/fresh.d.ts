export const OUTPUTS: readonly string[];
export function distIsFresh(root?: string): boolean;
export function tsupCli(root?: string): string | undefined;
export function buildIfStale(root?: string): number;
