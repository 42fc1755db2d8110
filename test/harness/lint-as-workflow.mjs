// Lints each source text read from stdin (a JSON array of strings) as if it were a workflow file, with the project's
// real ESLint configuration, and prints the restricted-import messages of each as a JSON array of arrays.
// A separate process because the flat config is an ES module, which jest's CommonJS runtime cannot load.
import { ESLint } from 'eslint';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const sources = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const eslint = new ESLint();
const results = [];
for (const source of sources) {
  const [result] = await eslint.lintText(source, { filePath: 'src/workflows/worker-check.ts' });
  results.push(
    result.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message)
  );
}
process.stdout.write(JSON.stringify(results));
