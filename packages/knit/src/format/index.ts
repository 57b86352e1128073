// The pure knit codecs: no IO, bytes in and out.
export * from './errors.js';
export * from './content.js';
export * from './record.js';
export * from './kndx.js';
export * from './wire.js';
export * from './flat.js';
export * from './interned.js';
export * from './build.js';
export * from './pack-value.js';
