export {Emulator, type EmulatorOptions, type RecordedRequest} from './server.js';
export {ERROR_TEXTS, FAULTS, type FaultKind, type ScriptedAnswer} from './answers.js';
