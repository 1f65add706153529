// `node build/ensure.js`: builds dist/ (quietly) unless it is newer than its sources; exits with
// tsup's status. What `npm run demo` and `npm run bench` run before the program they start.
import {buildIfStale} from './fresh.js';

process.exitCode = buildIfStale();
