// Errors of the network record stream: one class for bytes that do not parse as
// a network record (bad framing, bad bencode, an unregistered kind).
//
// Entry points: `NetworkRecordCorrupt`.

import { CorruptData } from '../errors.js';

export class NetworkRecordCorrupt extends CorruptData {
  override readonly code: string = 'NetworkRecordCorrupt';

  constructor(how: string, options?: { cause?: unknown }) {
    super('network record', how, '', options);
  }
}
