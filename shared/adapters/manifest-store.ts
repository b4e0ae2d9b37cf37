import { ManifestStore } from '../pipeline/manifest';
import { statePort } from './blob-store';
import type { PortFactory } from './wiring';

/** The manifests live in the state store. */
export const manifestsPort: PortFactory<'manifests'> = { port: 'manifests', build: async (wiring) => new ManifestStore(await wiring.use(statePort)) };
