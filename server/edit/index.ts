export { planChanges, type ApplyPlan, type ChangeReport, type PlannedFile } from './apply-changes';
export { replaceInText } from './replace-in-text';
export type { EditChange, CreateChange, ReplaceChange, MatchLevel, Refusal, RefusalKind, ReplaceOutcome } from './types';
