export { boardToMarkdown } from './markdown.ts';
