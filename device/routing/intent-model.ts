import { loadArtifact, type IntentArtifact } from '../../models/intent/src/artifact.js';

/** The trained intent model the appliance routes with; loading fails loudly so a start never routes blind. */
export async function loadIntentModel(dir: string): Promise<IntentArtifact> {
  return loadArtifact(dir);
}
