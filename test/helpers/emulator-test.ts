import {it} from 'vitest';
import {Emulator} from '../../src/emulator/index.js';

/**
 * A test with an emulator of its own (`emulator`), closed after the test, which fails it if one of
 * its scripts was not used up. Tests that share nothing else can then run side by side
 * (`describe.concurrent`), where one emulator for the file would see the scripts of the others.
 */
export const emulatorTest = it.extend<{emulator: Emulator}>({
  // eslint-disable-next-line no-empty-pattern -- vitest reads the fixtures a fixture needs from this pattern: none
  emulator: async ({}, use) => {
    const emulator = await Emulator.start();
    try {
      await use(emulator);
    } finally {
      await emulator.close();
    }
  },
});
