import { documentsPort } from '../../shared/adapters/blob-store';
import { generatorPort } from '../../shared/adapters/generator';
import { vectorsPort } from '../../shared/adapters/vector-store';
import { servicesFor } from '../../shared/adapters/wiring';
import { type ResolveCitationsDeps, resolveCitations } from '../../shared/pipeline/query';
import { taskHandler } from '../task';
import { citationsSchema, labels } from './state';

/** Query Task "ResolveCitations": map citations to documents, price the request, shape the response. */
export const makeHandler = taskHandler(citationsSchema, (services: ResolveCitationsDeps, state) => resolveCitations(services, state), labels);
export const handler = makeHandler(servicesFor(documentsPort, vectorsPort, generatorPort));
