export function distIsFresh(root?: string): boolean;
export function tsupCli(root?: string): string | undefined;
