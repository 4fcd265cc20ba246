import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', '.node-red-dev/', '.compat/', 'docs/'] },
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
    files: ['lib/**/*.ts', 'nodes/**/*.ts', 'sim/**/*.ts', 'resources/**/*.js'],
    rules: { 'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }] },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Editor code: runs in the browser beside Node-RED's editor (RED, jQuery).
    files: ['resources/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { RED: 'readonly', $: 'readonly', window: 'writable', document: 'readonly' } },
  },
);
