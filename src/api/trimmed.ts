/**
 * How every stub that build/trim.ts puts in place of a part of got starts its error message. Both
 * the build (which writes the stubs) and the client (which must not retry one: it is a bug, not a
 * network fault) read it here, so the two cannot drift apart.
 */
export const TRIMMED_MESSAGE_PREFIX = "pcloud-progress is built without got's ";
