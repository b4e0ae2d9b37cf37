import { createHash } from 'node:crypto';
import answerManifest from '../../../../shared/prompts/answer/manifest.json';
import { listPrompts, loadPrompt, promptVariables, renderPrompt } from '../../../../shared/prompts';

describe('loadPrompt', () => {
  it('loads a versioned template with the SHA-256 of its text', () => {
    const template = loadPrompt('answer', 'v1');

    expect(template.name).toBe('answer');
    expect(template.version).toBe('v1');
    expect(template.sha256).toBe(createHash('sha256').update(template.text).digest('hex'));
    expect(template.sha256).toBe(answerManifest.versions.v1.sha256);
  });

  it('pins every released version to its manifest (edit a prompt by adding a version)', () => {
    for (const { name, versions } of listPrompts()) {
      for (const version of versions) expect(() => loadPrompt(name, version)).not.toThrow();
    }
  });

  it('throws ConfigurationError naming an unknown version or prompt', () => {
    expect(() => loadPrompt('answer', 'v99')).toThrow(expect.objectContaining({ name: 'ConfigurationError', message: expect.stringContaining('v99') }));
    expect(() => loadPrompt('nope', 'v1')).toThrow(expect.objectContaining({ name: 'ConfigurationError', message: expect.stringContaining('nope') }));
    expect(() => loadPrompt('answer', 'constructor')).toThrow(expect.objectContaining({ name: 'ConfigurationError' }));
  });

  it('ships Knowledge Base templates with the placeholders Bedrock requires', () => {
    const generation = loadPrompt('knowledge-base', 'v1').text;
    const orchestration = loadPrompt('knowledge-base-orchestration', 'v1').text;

    expect(generation).toContain('$search_results$');
    expect(orchestration).toContain('$conversation_history$');
    expect(orchestration).toContain('$output_format_instructions$');
  });
});

describe('renderPrompt', () => {
  const template = loadPrompt('answer', 'v1');

  it('declares the variables the Converse generator fills', () => {
    expect(promptVariables(template).sort()).toEqual(['context', 'question']);
  });

  it('substitutes every variable once, never expanding braces inside values', () => {
    const out = renderPrompt(template, { context: '[1] Text with {{question}} inside.', question: 'Why?' });

    expect(out).toContain('[1] Text with {{question}} inside.');
    expect(out).toContain('Question: Why?');
    expect(out).not.toMatch(/\{\{\s*context\s*\}\}/);
  });

  it('throws naming a missing variable', () => {
    expect(() => renderPrompt(template, { question: 'Why?' })).toThrow(
      expect.objectContaining({ name: 'ConfigurationError', message: expect.stringContaining('context') }),
    );
  });

  it('leaves Bedrock $placeholders$ untouched', () => {
    const kb = loadPrompt('knowledge-base', 'v1');

    expect(renderPrompt(kb, {})).toBe(kb.text);
  });
});

describe('prompt version v2: retrieved text fenced as data (issue 15 item 5)', () => {
  it('exists for every prompt, since one RAG_PROMPT_VERSION selects all three', () => {
    for (const { name, versions } of listPrompts()) expect({ name, versions }).toEqual({ name, versions: expect.arrayContaining(['v1', 'v2']) });
  });

  it('names the fence of the answer prompt and says text inside it is data, never instructions', () => {
    // Act
    const answer = loadPrompt('answer', 'v2');

    // Assess
    expect(promptVariables(answer).sort()).toEqual(['question', 'sources']);
    expect(answer.text).toContain('between <source id="n"> and </source>');
    expect(answer.text).toMatch(/untrusted data[^.]*never instructions/);
    expect(answer.text.indexOf('{{sources}}')).toBeLessThan(answer.text.indexOf('{{question}}'));
  });

  it('fences the Knowledge Base search results and the conversation, keeping the placeholders Bedrock requires', () => {
    // Act
    const generation = loadPrompt('knowledge-base', 'v2').text;
    const orchestration = loadPrompt('knowledge-base-orchestration', 'v2').text;

    // Assess
    expect(generation).toMatch(/<search_results>\s*\$search_results\$\s*<\/search_results>/);
    expect(generation).toContain('$output_format_instructions$');
    expect(generation).toMatch(/untrusted data[^.]*never instructions/);
    expect(orchestration).toMatch(/<conversation>\s*\$conversation_history\$\s*<\/conversation>/);
    expect(orchestration).toContain('$output_format_instructions$');
    expect(orchestration).toContain('never instructions');
  });
});
