import {eventFactory, NO_STATUS, type StatusEvent} from '../../src/events.js';

/** A status event for renderer and layout tests: a progress event of upload h1 with no numbers, then `fields`. */
export function statusEvent(fields: Record<string, unknown> = {}): StatusEvent {
  return {...eventFactory({kind: 'upload', hash: 'h1', host: 'api7.pcloud.com'}).progress(0, NO_STATUS), ...fields} as StatusEvent;
}
