export {Emulator, type EmulatorOptions, type RecordedRequest} from './server.js';
export {ERROR_TEXTS, FAULTS, type FaultKind, type ScriptedAnswer} from './answers.js';
export {FileServer, type FileServerOptions, type ServedFile} from './file-server.js';
export {REMOTE_PARALLEL_URLS, type RemoteFileAnswer, type RemoteStatus} from './remote.js';
export type {ArchiveEntry} from './extract.js';
export {jsonWithBigInts} from './json.js';
export {call, upload, type UploadFile} from './user-script.js';
