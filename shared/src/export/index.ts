export { boardToMarkdown, markdownText } from './markdown.ts';
export { comparisonToMarkdown } from './comparisonMarkdown.ts';
