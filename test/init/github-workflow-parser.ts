/**
 * Loads @actions/workflow-parser under Node's ESM loader. The package imports its JSON schema
 * without `with { type: 'json' }` (bundlers accept that, Node refuses it), so a resolve hook adds
 * the attribute for that package's own .json files, and nothing else.
 */
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    const r = nextResolve(specifier, context);
    if (r.url.includes('/node_modules/@actions/workflow-parser/') && r.url.endsWith('.json'))
      return { ...r, importAttributes: { type: 'json' } };
    return r;
  },
});

export const { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } = await import('@actions/workflow-parser');
