// Pure import parsing: format detection and one streaming parser per format.
// Callers (main/services/import) read files, unzip archives and decode bytes.
export * from './types.js';
export { parseJsonArray, parseJsonLines } from './json.js';
export { parseTextBlocks, parseTextWhole, readAllBounded } from './text.js';
export { parseMarkdown, parseHtml, markdownToPlainText, htmlToPlainText } from './articles.js';
export { parseCsvRows, detectCsvLayout, type CsvRow, type CsvLayout } from './csv.js';
export { readCsvRows, MAX_CSV_RECORD_CHARS } from './csv-reader.js';
export { splitJsonArray, type ArrayElement, type ArraySlip } from './json-array-splitter.js';
export { splitLines, MAX_LINE_CHARS, type Line } from './lines.js';
export { decodeTweetEntities, toIsoDate, recordToEvent } from './records.js';
export { detectFormat, defaultKindFor, type ImportFormat } from './detect.js';
