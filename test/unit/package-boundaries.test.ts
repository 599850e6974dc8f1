import { describe, expect, it } from 'vitest';
import { checkBoundaries, violationsOf } from '../../scripts/boundaries.js';

describe('package boundaries: device -> protocol <- hub', () => {
  it('holds in the repository', () => {
    expect(checkBoundaries()).toEqual([]);
  });

  it('catches the hub importing device code, the protocol importing either side, and the device reaching into the hub', () => {
    expect(violationsOf('hub/http.ts', "import { sameSecret } from '../device/crypto.js';")).toEqual([{ file: 'hub/http.ts', imports: 'device/crypto.ts' }]);
    expect(violationsOf('hub/fleet/cli.ts', "export { x } from '../../device/sync/index.js';")).toEqual([{ file: 'hub/fleet/cli.ts', imports: 'device/sync/index.ts' }]);
    expect(violationsOf('protocol/kpi.ts', "import type { Hub } from '../hub/index.js';")).toHaveLength(1);
    expect(violationsOf('device/cloud.ts', "import { HubStore } from '../hub/store/hub-store.js';")).toHaveLength(1);
    expect(violationsOf('device/appliance.ts', "import { startHub } from '../hub/index.js';")).toHaveLength(1);
    expect(violationsOf('device/cloud.ts', "import { startHub } from '../hub/index.js';")).toEqual([]);
    expect(violationsOf('hub/hub.ts', "import { topics } from '../protocol/index.js'; const later = import('./store/index.js');")).toEqual([]);
  });
});
