/** What a scripted request is answered with: the tests' way to make the server misbehave on cue. */
export type ScriptedAnswer =
  /** HTTP 200 with this JSON body */
  | {json: unknown}
  /** a raw HTTP answer (a 502 page, a 302 with a location, an empty 200...) */
  | {status: number; body?: string; headers?: Record<string, string>}
  /** the socket destroyed without an answer */
  | {reset: true}
  /** no answer at all, until the client gives up or the emulator closes */
  | {hang: true}
  /** headers promising more, this partial body, then the socket destroyed */
  | {truncated: string}
  | {delayMs: number; then: ScriptedAnswer};

export type FaultKind = 'error5000' | 'http502' | 'http503' | 'http429' | 'reset' | 'truncated' | 'html' | 'empty';

/**
 * pCloud's own error texts for the codes the emulator answers (from pCloud's public error list),
 * except where a comment says the code or text is our choice.
 */
export const ERROR_TEXTS: Record<number, string> = {
  1000: 'Log in required.',
  1004: 'No fileid or path provided.',
  1016: 'No full topath or toname/tofolderid provided.',
  1017: "Invalid 'folderid' provided.",
  1018: "Invalid 'fileid' provided.",
  1040: "Please provide 'url'.",
  1052: "Please provide 'progresshash'.",
  // our choice: pCloud documents no codes for uploadtransfer without a sender or recipients
  1130: "Please provide 'sendermail'.",
  1131: "Please provide 'receivermails'.",
  1900: 'Upload not found',
  1901: 'Zip not found',
  // our choice: pCloud does not document what extractarchiveprogress answers for an unknown
  // hash; a 19xx "not found" like uploadprogress (1900) and savezipprogress (1901)
  1902: 'Extraction not found',
  2000: 'Log in failed.',
  2003: 'Access denied. You do not have permissions to perform this operation.',
  2005: 'Directory does not exist.',
  2009: 'File not found.',
  2010: 'Invalid path.',
  2059: 'Unsupported archive format.',
  2094: "Invalid 'access_token' provided.",
  4000: 'Too many login tries from this IP address.',
  5000: 'Internal error. Try again later.',
  // the code is pCloud's (extractarchive's doc: a protected archive without `password`); the
  // text is our choice, as the doc gives none
  7009: 'Password required.',
};

/** The answer each injected fault stands for. */
export const FAULTS: Record<FaultKind, ScriptedAnswer> = {
  error5000: {json: {result: 5000, error: ERROR_TEXTS[5000]}},
  http502: {status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>', headers: {'content-type': 'text/html'}},
  http503: {status: 503, body: '<html><body><h1>503 Service Unavailable</h1></body></html>', headers: {'content-type': 'text/html'}},
  http429: {status: 429, body: '', headers: {'retry-after': '0'}}, // 0: honoured like any Retry-After, without slowing a soak of random faults
  reset: {reset: true},
  truncated: {truncated: '{"result":0,"total":10'},
  html: {status: 200, body: '<!doctype html><html><body>Maintenance</body></html>', headers: {'content-type': 'text/html'}},
  empty: {status: 200, body: ''},
};

export function errorAnswer(result: number, error?: string): ScriptedAnswer {
  return {json: {result, error: error ?? ERROR_TEXTS[result] ?? 'Error.'}};
}
