export { Knowledge, KnowledgeError, articleInputSchema, referenceInputSchema, currentVersion } from './knowledge.js';
export type { ArticleInput, ArticleStats, Recommendation, RecommendInput, ReferenceInput, SearchResult, KnowledgeTransaction } from './knowledge.js';
export { importBundle, readSeedBundle, knowledgeBundleSchema } from './bundle.js';
export type { BundleReport, KnowledgeBundle } from './bundle.js';
export { Synonyms } from './synonyms.js';
export { wilsonLowerBound, rankSolutions, EXPLORATION_TRIALS } from './ranking.js';
export type { SolutionCandidate, RankedSolution } from './ranking.js';
export { answersBundle } from './answers.js';
