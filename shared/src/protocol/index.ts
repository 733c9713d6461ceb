export * from './messages.ts';
export * from './closeCodes.ts';
export * from './docNames.ts';
export * from './awareness.ts';
export * from './events.ts';
export * from './notifications.ts';
