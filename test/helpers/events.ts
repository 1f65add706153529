import {FAKE_WALL_START_MS} from './fake-clock.js';
import {eventFactory, NO_STATUS, type StatusEvent} from '../../src/events.js';

/** A status event for renderer and layout tests: a progress event of upload h1 with no numbers, then `fields`. */
export function statusEvent(fields: Record<string, unknown> = {}): StatusEvent {
  const event: Record<string, unknown> = {...eventFactory({kind: 'upload', hash: 'h1', host: 'api7.pcloud.com'}, () => FAKE_WALL_START_MS).progress(0, NO_STATUS), ...fields};
  // a done event says how long the job was seen running: null (already finished) unless the test says
  return (event.event === 'done' ? {duration: null, ...event} : event) as unknown as StatusEvent;
}
