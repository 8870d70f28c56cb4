import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// The layers (README, "Layout"; issue 13 §2): which top-level folders each folder may import.
// Every folder may import src/lib (small utilities that import nothing). Entry points (src/cli,
// src/slack listeners, functions/) may import anything, and only they import adapters/.
const FOLDERS = {
  model: 'src/model',
  ports: 'src/ports',
  config: 'src/config',
  analysis: 'src/analysis',
  report: 'src/report',
  remediation: 'src/remediation',
  realtime: 'src/realtime',
  chart: 'src/chart',
  store: 'src/store',
  app: 'src/app',
  slack: 'src/slack',
  cli: 'src/cli',
  adapters: 'adapters',
  functions: 'functions',
};

/** An import specifier (relative, or from the repo root) that reaches into `folder`. */
const reaching = (folder) => [`**/${folder}/**`, `${folder}/**`];

/** `no-restricted-imports` for a layer that may import only `allowed` (besides itself and src/lib). */
function layer(name, allowed, extraPatterns = []) {
  const forbidden = Object.keys(FOLDERS).filter((key) => key !== name && !allowed.includes(key));
  const may = ['lib', ...allowed].join(', ');
  return {
    files: [`${FOLDERS[name]}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...forbidden.map((key) => ({
              group: reaching(FOLDERS[key].split('/').at(-1)),
              message: `${FOLDERS[name]} may import only ${may} (layer table, README "Layout"): not ${FOLDERS[key]}.`,
            })),
            ...extraPatterns,
          ],
        },
      ],
    },
  };
}

const LAYERS = [
  layer('model', []),
  layer('ports', ['model']),
  layer('config', ['model']),
  layer('analysis', ['model', 'config']),
  layer('report', ['model', 'analysis', 'config']),
  layer('remediation', ['analysis', 'model', 'config', 'ports']),
  layer('realtime', ['model', 'ports']),
  // The posture chart's renderer (reads its wasm and font): only the chart function imports it.
  layer('chart', ['model', 'analysis', 'report']),
  layer('store', ['model', 'ports']),
  layer('app', ['remediation', 'analysis', 'ports', 'store', 'realtime', 'model', 'config']),
  layer('adapters', ['model', 'config', 'ports']),
  {
    files: ['src/lib/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../**', '!../lib/**'], message: 'src/lib imports nothing outside src/lib.' }] },
      ],
    },
  },
  {
    // Rendering only: model, analysis and remediation (the Slack ids and size limits they fill in are Slack's own).
    files: ['src/slack/blocks/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...['adapters', 'functions', 'cli', 'app', 'store', 'realtime', 'ports', 'config'].map((folder) => ({
              group: reaching(folder),
              message:
                'src/slack/blocks may import only lib, model, analysis, remediation and the Slack ids and limits (rendering only).',
            })),
          ],
        },
      ],
    },
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'coverage/', 'examples/', '.warden/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: globals.node } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  ...LAYERS,
);
