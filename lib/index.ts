export { ButlerClient } from './client';
export type { ClientOptions, CallOptions, TaskResult, TaskAction, TaskOutcome, AllResult, Identity } from './client';
export { ButlerError, isButlerError } from './errors';
export type { ButlerErrorCode, ButlerErrorInfo } from './errors';
export { parseTaskList } from './parse';
export type { ButlerTask } from './parse';
export { TASK_NAME, checkTaskName, checkAction, normaliseUrl, cleanToken } from './validate';
export type { AllAction } from './validate';
