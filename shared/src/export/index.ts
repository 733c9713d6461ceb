export { boardToMarkdown, markdownText } from './markdown.ts';
