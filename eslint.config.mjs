import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', '.node-red-dev/', '.compat/', 'docs/', 'resources/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Product code reads at once: no function longer than a screen.
    files: ['lib/**/*.ts', 'nodes/**/*.ts', 'sim/**/*.ts', 'editor/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }] },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Editor code (editor/, built into resources/): browser scripts beside Node-RED's editor (RED, jQuery).
    files: ['editor/**/*.ts'],
    languageOptions: { sourceType: 'script', globals: { RED: 'readonly', $: 'readonly', window: 'writable', document: 'readonly' } },
    // A browser script shares one global scope with every other node's editor code: a namespace
    // keeps ours under one name (modules would need a loader Node-RED does not have).
    rules: {
      '@typescript-eslint/no-namespace': 'off',
      // Their top-level names (the namespace, the Window it joins) are globals the .html files use.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', vars: 'local' }],
    },
  },
);
