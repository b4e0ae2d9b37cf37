// Serverless variable source for serverless.yml (`resources`): the Bedrock guardrail and its version.
//
// A GuardrailVersion is a snapshot: CloudFormation does not replace it when its Guardrail changes, so
// the functions would keep the old policy. Its Description "requires replacement" on update
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-bedrock-guardrailversion.html,
// read 2026-11-30; 1-200 characters), so the description carries a hash of the guardrail's definition:
// any change to the policy makes a new version, and RAG_GUARDRAIL_VERSION follows it.
const { createHash } = require('node:crypto');
const { plan } = require('./params.js');

function guardrailProperties(prefix, params) {
  return {
    Name: prefix,
    Description: 'Input and output guardrail of the RAG service (PII, denied topics, prompt attacks, grounding)',
    BlockedInputMessaging: 'Your question cannot be answered by this assistant.',
    BlockedOutputsMessaging: 'The answer was withheld because it did not meet the content policy.',
    ContentPolicyConfig: {
      FiltersConfig: [
        // Prompt attacks are judged on user input only: the filter "only applies to prompts with input tagging"
        // (https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-content-filters.html, read 2026-12-01),
        // so its output strength is NONE. Our code tags the question alone (ApplyGuardrail INPUT as guard_content,
        // Converse as the guardContent query): retrieved documents are never judged as a prompt attack here.
        { Type: 'PROMPT_ATTACK', InputStrength: 'HIGH', OutputStrength: 'NONE' },
        { Type: 'HATE', InputStrength: 'HIGH', OutputStrength: 'HIGH' },
        { Type: 'INSULTS', InputStrength: 'HIGH', OutputStrength: 'HIGH' },
        { Type: 'SEXUAL', InputStrength: 'HIGH', OutputStrength: 'HIGH' },
        { Type: 'VIOLENCE', InputStrength: 'MEDIUM', OutputStrength: 'MEDIUM' },
        { Type: 'MISCONDUCT', InputStrength: 'MEDIUM', OutputStrength: 'MEDIUM' },
      ],
    },
    TopicPolicyConfig: {
      // Same topics as the local guardrail's examples; adapt per deployment.
      TopicsConfig: [
        {
          Name: 'investment-advice',
          Type: 'DENY',
          Definition: 'Recommendations about which securities, funds or cryptocurrencies to buy or sell.',
          Examples: ['Which stocks should I buy this year?', 'Is bitcoin a good investment right now?'],
        },
        {
          Name: 'medical-diagnosis',
          Type: 'DENY',
          Definition: "Diagnosing a person's illness or prescribing a treatment or medication dosage.",
          Examples: ['What medication should I take for my chest pain?'],
        },
      ],
    },
    SensitiveInformationPolicyConfig: {
      PiiEntitiesConfig: [
        { Type: 'EMAIL', Action: 'ANONYMIZE' },
        { Type: 'PHONE', Action: 'ANONYMIZE' },
        { Type: 'ADDRESS', Action: 'ANONYMIZE' },
        { Type: 'IP_ADDRESS', Action: 'ANONYMIZE' },
        { Type: 'US_SOCIAL_SECURITY_NUMBER', Action: 'BLOCK' },
        { Type: 'CREDIT_DEBIT_CARD_NUMBER', Action: 'BLOCK' },
        { Type: 'AWS_ACCESS_KEY', Action: 'BLOCK' },
        { Type: 'AWS_SECRET_KEY', Action: 'BLOCK' },
        { Type: 'PASSWORD', Action: 'BLOCK' },
      ],
    },
    ContextualGroundingPolicyConfig: {
      FiltersConfig: [
        { Type: 'GROUNDING', Threshold: params.groundingThreshold },
        { Type: 'RELEVANCE', Threshold: params.relevanceThreshold },
      ],
    },
  };
}

/** The short hash a version's description carries: it changes exactly when the guardrail's definition does. */
function definitionHash(properties) {
  return createHash('sha256').update(JSON.stringify(properties)).digest('hex').slice(0, 16);
}

module.exports = async (context) => {
  const { params } = await plan(context);
  const service = await context.resolveConfigurationProperty(['service']);
  const properties = guardrailProperties(`${service}-${params.stage}`, params);
  return {
    Resources: {
      Guardrail: { Type: 'AWS::Bedrock::Guardrail', Properties: properties },
      GuardrailVersion: {
        Type: 'AWS::Bedrock::GuardrailVersion',
        Properties: {
          GuardrailIdentifier: { 'Fn::GetAtt': ['Guardrail', 'GuardrailId'] },
          Description: `Guardrail definition ${definitionHash(properties)}`,
        },
      },
    },
  };
};
module.exports.definitionHash = definitionHash;
module.exports.guardrailProperties = guardrailProperties;
