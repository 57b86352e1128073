// The knit storage kinds in core's network kind registry.
//
// The knit package owns the knit wire forms (`knitRecordFromWire`,
// `deltaClosureRecords`); this module only tells core's `NetworkRecordStream`
// to use them, as Breezy's NetworkRecordStream maps the `knit-*` kinds to
// `knit_network_to_record` and `knit_delta_closure_to_records`. Other backends
// register their kinds the same way, from their own package
// (`registerNetworkKind(kind, decode)`; see docs/guides/sync.md).
//
// Entry points: `registerKnitNetworkKinds` (run on import of this package).

import { KNIT_GZ_KINDS, deltaClosureRecords, knitRecordFromWire, registerKnitAdapters } from '@versionedfiles/knit';
import { defaultNetworkKinds, type NetworkKindRegistry } from '@versionedfiles/core';

/** Registers the knit kinds (idempotent; a private registry may be given). */
export function registerKnitNetworkKinds(registry: NetworkKindRegistry = defaultNetworkKinds): void {
  registerKnitAdapters();
  for (const kind of KNIT_GZ_KINDS) registry.register(kind, (_kind, bytes) => [knitRecordFromWire(bytes)]);
  registry.register('knit-delta-closure', (_kind, bytes) => deltaClosureRecords(bytes));
}

registerKnitNetworkKinds();
