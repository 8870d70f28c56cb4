// The planners live in ./planners/ (one module per check); this is the same entry point.
export * from './planners/index.ts';
