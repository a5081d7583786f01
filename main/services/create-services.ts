import type { ServicesOptions } from './index.js';
import type { Services } from './types.js';
import { ServiceError } from './errors.js';

/** Opens the database and returns the services (implementation in progress). */
export async function createServices(_opts: ServicesOptions = {}): Promise<Services> {
  throw new ServiceError('INTERNAL', 'createServices is still being implemented');
}
