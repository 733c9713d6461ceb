export * from './plan.ts';
export { parseMarkdownPlan, unescapeMarkdownText } from './markdown.ts';
export { parseJsonPlan } from './json.ts';
export { parseLocatedJson, JsonSyntaxError, type TextPosition, type LocatedJson } from './jsonText.ts';
export { decodeUtf8 } from './utf8.ts';
export { buildBoardState } from './build.ts';
