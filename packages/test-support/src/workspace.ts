/**
 * What a node process in this repository needs to run the workspace packages from their
 * TypeScript sources (their exports' `@layercode-kit/source` condition; `.npmrc` passes it
 * to every npm script). A child given a clean environment gets it back from here.
 */
export const WORKSPACE_NODE_OPTIONS = '--conditions=@layercode-kit/source'
