import type { TableOwner } from '../store/index.js';

export { EmotionSensing } from './hub.js';
export type { SessionRef } from './hub.js';
export { SenseRepository } from './sense-repository.js';
export type { CallEmotion, EmotionSummary } from './sense-repository.js';
export { CallAnalysis } from './call-analysis.js';
export type { AnalysedCalls, CallAnalysisOptions } from './call-analysis.js';
export { TextSentiment, TRIGGERS } from './text.js';
export type { TextSignal, Trigger, SuggestionTexts } from './text.js';
export { VoiceAnalyser, conversationStats, estimatePitch, FRAME_MS } from './voice.js';
export type { Utterance, ConversationStats } from './voice.js';
export { EmotionFusion, labelOf } from './fusion.js';
export type { Emotion, EmotionLabel } from './fusion.js';
export { loadRules, evaluate } from './rules.js';
export type { EscalationRule } from './rules.js';
export { alertReason } from './reasons.js';
export type { AlertReason, AlertReasonCode } from './reasons.js';
export { MicroExpressionSpotter, ACTION_UNITS, MICRO_LABELS, DEFAULT_SPOTTER, EXPRESSION_UNITS } from './micro.js';
export type { ActionUnit, FaceFrame, MicroExpression, MicroLabel, SpotterOptions } from './micro.js';
export { FaceAnalyser, actionUnits, HUMAN_ASSETS_DIR } from './face.js';
export type { FaceReading } from './face.js';

/** The sense tables (readings, alerts, talk statistics) and their migrations. */
export const senseTables: TableOwner = { owner: 'sense', dir: new URL('./sql/', import.meta.url) };
