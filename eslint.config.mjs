// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import { builtinModules } from 'node:module';

// Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O clients, no connectors.
// Activity modules may be imported for their types only (`import type`).
const workflowForbiddenImports = {
  paths: [
    ...builtinModules
      .flatMap((name) => [name, `node:${name}`])
      .map((name) => ({
        name,
        message: 'Workflow code runs in the Temporal sandbox: do I/O in an activity instead.',
      })),
    ...[
      'axios',
      '@azure/msal-node',
      'ssh2-sftp-client',
      'pino',
      '@temporalio/activity',
      '@temporalio/client',
      '@temporalio/worker',
    ].map((name) => ({ name, message: 'Workflow code runs in the Temporal sandbox: do I/O in an activity instead.' })),
  ],
  patterns: [
    { group: ['**/connectors', '**/connectors/**'], message: 'Workflows must not touch connectors; call an activity.' },
    { group: ['**/sandbox', '**/sandbox/**', '**/cli/**'], message: 'Workflows must not import the sandbox or CLI.' },
    {
      group: ['**/activities', '**/activities/**'],
      allowTypeImports: true,
      message: 'Import activities with `import type` and call them through proxyActivities.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.tools/', '.sandbox/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: { allowDefaultProject: ['*.mjs', '*.js', 'bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', workflowForbiddenImports] },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-console': 'off',
      '@typescript-eslint/unbound-method': 'off',
      // Tests break configurations and parse JSON freely; the assertions check the shapes.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier
);
