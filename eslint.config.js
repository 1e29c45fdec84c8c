import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/generated/**', 'packages/viewer/dist/**', 'fixtures/**', 'coverage/**', 'anet-demo/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Packages never import apps (DESIGN.md §5); apps and tests may share app code (e.g. @anet/api/storage).
    files: ['packages/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@anet/api', '@anet/api/*', '@anet/worker', '@anet/worker/*', '@anet/cli', '@anet/cli/*'], message: 'packages must not import apps' }] }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
